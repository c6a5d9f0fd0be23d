package dev.nextinfer.cli;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.sampling.SamplingTransform;
import dev.nextinfer.core.spec.SpeculativeDecoder;
import dev.nextinfer.kernels.VectorOps;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code greedy}: greedy continuation with incremental decoding, printed as {@code {"ids":[…]}}. */
@Command(name = "greedy", mixinStandardHelpOptions = true,
        description = {"Prints {\"ids\":[…]}: the greedy continuation of --ids, one prefill then one token per step.",
                "With --mtp K: speculative decoding with the checkpoint's MTP head (K draft tokens per verification",
                "pass); the same tokens, acceptance statistics on stderr.",
                "End-of-sequence tokens are not treated specially: exactly --n ids are printed."})
final class GreedyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ids", required = true, paramLabel = "CSV", description = "Prompt token ids, e.g. 1,2,3.")
    String ids;

    @Option(names = "--n", defaultValue = "16", paramLabel = "N", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--mtp", defaultValue = "0", paramLabel = "K",
            description = "Draft tokens per pass with the MTP head, 1 to " + SpeculativeDecoder.MAX_DRAFT_TOKENS + " (default: ${DEFAULT-VALUE} = off).")
    int mtp;

    @Override
    public Integer call() {
        int[] prompt = Ids.parse("--ids", ids);
        if (n < 1) {
            throw new CliException("--n must be ≥ 1, got " + n);
        }
        if (mtp < 0 || mtp > SpeculativeDecoder.MAX_DRAFT_TOKENS) {
            throw new CliException("--mtp must be 0 (off) to " + SpeculativeDecoder.MAX_DRAFT_TOKENS + ", got " + mtp);
        }
        try (Qwen3Next q = modelOptions.loadForReference()) {
            if (mtp > 0 && !q.hasMtp()) {
                throw new CliException("--mtp needs the checkpoint's MTP head: " + q.mtpNote());
            }
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            SequenceState state = model.newState(prompt.length + n + mtp, mtp > 0);
            ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
            int[] out = new int[n];
            out[0] = VectorOps.argmax(r.logits(), 0, vocab);
            if (mtp == 0) {
                for (int s = 1; s < n; s++) {
                    r = model.forward(out, s - 1, s, state, false, false);
                    out[s] = VectorOps.argmax(r.logits(), 0, vocab);
                }
            } else {
                SpeculativeDecoder decoder = new SpeculativeDecoder(model, mtp, SamplingTransform.GREEDY, null);
                for (int s = 1; s < n; ) {
                    int[] next = decoder.nextTokens(state, out[s - 1], n - s);
                    System.arraycopy(next, 0, out, s, next.length);
                    s += next.length;
                }
                spec.commandLine().getErr().println("mtp " + mtp + ": " + decoder.stats().summary());
                spec.commandLine().getErr().flush();
            }
            spec.commandLine().getOut().println(Ids.json(out));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
