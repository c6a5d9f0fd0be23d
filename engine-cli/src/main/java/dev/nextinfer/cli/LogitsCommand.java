package dev.nextinfer.cli;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.VectorOps;
import dev.nextinfer.tools.npy.Npy;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code logits}: the logits of a full forward over a fresh state, as float32 {@code .npy} [T, vocab]. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = {"Writes the logits of a full forward pass over a fresh state as float32 .npy of shape [T, vocab].",
                "With --mtp: the MTP head's logits; row i from the final hidden state at i and token ids[i+1]",
                "(the last row uses the argmax of the main logits at the last position)."})
final class LogitsCommand implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--ids", required = true, paramLabel = "CSV", description = "Prompt token ids, e.g. 1,2,3.")
    String ids;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output .npy file.")
    Path out;

    @Option(names = "--mtp", description = "Write the MTP head's logits instead of the main model's.")
    boolean mtp;

    @Override
    public Integer call() throws IOException {
        int[] tokens = Ids.parse("--ids", ids);
        try (Qwen3Next q = modelOptions.loadForReference()) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            SequenceState state = model.newState(tokens.length + 1);
            ForwardResult main = TokenLoop.builder(model, state, tokens).prefillChunk(tokens.length) // one pass
                    .allLogits(!mtp).build().prefill();
            float[] logits = main.logits();
            if (mtp) {
                int T = tokens.length;
                int[] next = new int[T];
                System.arraycopy(tokens, 1, next, 0, T - 1);
                next[T - 1] = VectorOps.argmax(main.logits(), 0, vocab);
                logits = model.mtpForward(main.hidden(), next, T, state, true).logits();
            }
            Npy.write(out, new int[] {tokens.length, vocab}, logits);
        }
        return 0;
    }
}
