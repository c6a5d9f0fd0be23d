package dev.nextinfer.cli;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
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

    @Override
    public Integer call() {
        int[] prompt = Ids.parse("--ids", ids);
        if (n < 1) {
            throw new CliException("--n must be ≥ 1, got " + n);
        }
        try (Qwen3Next q = modelOptions.load()) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            SequenceState state = model.newState(prompt.length + n);
            ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
            int[] out = new int[n];
            for (int s = 0; s < n; s++) {
                out[s] = VectorOps.argmax(r.logits(), 0, vocab);
                if (s + 1 < n) {
                    r = model.forward(out, s, s + 1, state, false, false);
                }
            }
            spec.commandLine().getOut().println(Ids.json(out));
            spec.commandLine().getOut().flush();
        }
        return 0;
    }
}
