package dev.nextinfer.bench;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.spec.SamplingParams;
import dev.nextinfer.core.spec.SpeculativeDecoder;
import dev.nextinfer.core.spec.SpeculativeStats;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * End-to-end greedy decode speed, plain and speculative (k = 1 … 4), on one checkpoint: the same prompt and the
 * same number of generated tokens, timing the decode phase only (after the prefill). Checks that every run
 * produced the plain tokens. On random weights drafts are rejected; on a {@code CycleCheckpoint} they are
 * accepted, which shows the speed-up an agreeing draft gives.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.SpeculativeDecodeRun \
 *      DIR [--weights bf16] [--threads N] [--prompt 64] [--n 64] [--repeat 3]
 * </pre>
 */
public final class SpeculativeDecodeRun {
    private SpeculativeDecodeRun() {
    }

    /** Entry point; prints one line per k and the speed-up over plain decoding (best of the repeats). */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        WeightFormat weights = null;
        int threads = 0;
        int promptLength = 64;
        int n = 64;
        int repeat = 3;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--weights" -> weights = WeightFormat.parse(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--prompt" -> promptLength = Integer.parseInt(args[i + 1]);
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.builder().weights(weights).threads(threads).build())) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            int[] prompt = new int[promptLength];
            for (int i = 0; i < promptLength; i++) {
                prompt[i] = (int) ((i * 7919L + 13) % vocab);
            }
            System.out.printf(Locale.ROOT, "%s, %d threads, prompt %d, %d generated tokens, best of %d%n",
                    dir.getFileName(), q.model().pool().threads(), promptLength, n, repeat);
            int[] plain = null;
            double plainSeconds = Double.MAX_VALUE;
            for (int r = 0; r < repeat; r++) {
                long t0 = 0;
                SequenceState s = model.newState(promptLength + n);
                float[] logits = model.forward(prompt, 0, promptLength, s, false, false).logits();
                int[] out = new int[n];
                out[0] = VectorOps.argmax(logits, 0, vocab);
                t0 = System.nanoTime();
                for (int i = 1; i < n; i++) {
                    out[i] = VectorOps.argmax(model.forward(out, i - 1, i, s, false, false).logits(), 0, vocab);
                }
                plainSeconds = Math.min(plainSeconds, (System.nanoTime() - t0) / 1e9);
                plain = out;
            }
            System.out.printf(Locale.ROOT, "plain      %7.2f tok/s%n", (n - 1) / plainSeconds);
            for (int k = 1; k <= SpeculativeDecoder.MAX_DRAFT_TOKENS; k++) {
                double best = Double.MAX_VALUE;
                SpeculativeStats stats = null;
                for (int r = 0; r < repeat; r++) {
                    SpeculativeDecoder d = new SpeculativeDecoder(model, k, SamplingParams.GREEDY, null);
                    SequenceState s = model.newState(promptLength + n + k, true);
                    float[] logits = model.forward(prompt, 0, promptLength, s, false, false).logits();
                    int[] out = new int[n];
                    out[0] = VectorOps.argmax(logits, 0, vocab);
                    long t0 = System.nanoTime();
                    for (int i = 1; i < n; ) {
                        int[] next = d.nextTokens(s, out[i - 1], n - i);
                        System.arraycopy(next, 0, out, i, next.length);
                        i += next.length;
                    }
                    best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                    stats = d.stats();
                    if (!Arrays.equals(out, plain)) {
                        throw new IllegalStateException("k=" + k + ": speculative tokens differ from plain greedy");
                    }
                }
                System.out.printf(Locale.ROOT, "mtp k=%d    %7.2f tok/s  ×%.2f  acceptance %.3f  %.2f tokens/pass%n",
                        k, (n - 1) / best, plainSeconds / best, stats.acceptanceRate(), stats.tokensPerPass());
            }
        }
    }
}
