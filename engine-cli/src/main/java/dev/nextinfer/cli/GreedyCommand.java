package dev.nextinfer.cli;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.Decoders;
import dev.nextinfer.core.decode.MtpDecoder;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.speculative.SpeculativeDecoder;
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
            SequenceState state = model.newState(prompt.length + n + mtp, mtp > 0);
            MtpDecoder speculative = mtp > 0 ? new MtpDecoder(mtp) : null;
            int[] out = TokenLoop.builder(model, state, prompt).maxTokens(n).prefillChunk(prompt.length) // one prefill
                    .decoder(speculative != null ? speculative : Decoders.plain()).build().generate();
            if (speculative != null) {
                spec.commandLine().getErr().println("mtp " + mtp + ": " + speculative.stats().summary());
                spec.commandLine().getErr().flush();
            }
            spec.commandLine().getOut().println(Ids.json(out));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
