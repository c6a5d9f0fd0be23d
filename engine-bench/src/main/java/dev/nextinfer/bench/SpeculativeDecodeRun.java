package dev.nextinfer.bench;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.Decoders;
import dev.nextinfer.core.decode.MtpDecoder;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.speculative.SpeculativeDecoder;
import dev.nextinfer.core.speculative.SpeculativeStats;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.tools.bench.FirstTokenClock;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * End-to-end greedy decode speed, plain and speculative (k = 1 … 4), on one checkpoint: the same prompt and the
 * same number of generated tokens, timing the decode phase only (after the prefill). All variants run in turn
 * for a warm-up period (the JIT needs tens of seconds to compile the Vector API kernels), then in turn for each
 * repetition, so that load from other processes hits them alike; the best and the median per variant are
 * reported. Checks that every run produced the plain tokens. On random weights drafts are rejected; on a
 * {@code CycleCheckpoint} they are accepted, which shows the speed-up an agreeing draft gives.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.SpeculativeDecodeRun \
 *      DIR [--weights bf16] [--threads N] [--prompt 64] [--n 64] [--repeat 5] [--warmup-seconds 30]
 * </pre>
 */
public final class SpeculativeDecodeRun {
    private SpeculativeDecodeRun() {
    }

    /** Entry point; prints one line per variant with tok/s (best and median) and the speed-up of the medians. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        WeightFormat weights = null;
        int threads = 0;
        int promptLength = 64;
        int n = 64;
        int repeat = 5;
        double warmupSeconds = 30;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--weights" -> weights = WeightFormat.parse(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--prompt" -> promptLength = Integer.parseInt(args[i + 1]);
                case "--n" -> n = Integer.parseInt(args[i + 1]);
                case "--repeat" -> repeat = Integer.parseInt(args[i + 1]);
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(args[i + 1]);
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
            int variants = SpeculativeDecoder.MAX_DRAFT_TOKENS + 1; // 0 = plain
            int[] plain = new int[n];
            double[][] seconds = new double[variants][repeat];
            SpeculativeStats[] stats = new SpeculativeStats[variants];
            long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int r = -1; r < repeat; r++) { // r = −1: warm-up rounds until the warm-up time is over
                for (int k = 0; k < variants; k++) {
                    int[] out = new int[n];
                    MtpDecoder d = k == 0 ? null : new MtpDecoder(k);
                    double s = run(model, prompt, out, d);
                    if (k == 0) {
                        System.arraycopy(out, 0, plain, 0, n);
                    } else if (!Arrays.equals(out, plain)) {
                        throw new IllegalStateException("k=" + k + ": speculative tokens differ from plain greedy");
                    }
                    if (r >= 0) {
                        seconds[k][r] = s;
                        stats[k] = d == null ? null : d.stats();
                    }
                }
                if (r == -1 && System.nanoTime() < warmupEnd) {
                    r = -2;
                }
            }
            System.out.printf(Locale.ROOT, "%s, %d threads, prompt %d, %d generated tokens, %d repetitions after %.0f s warm-up%n",
                    dir.getFileName(), q.model().pool().threads(), promptLength, n, repeat, warmupSeconds);
            double plainMedian = median(seconds[0]);
            for (int k = 0; k < variants; k++) {
                double best = Arrays.stream(seconds[k]).min().orElseThrow();
                double med = median(seconds[k]);
                String name = k == 0 ? "plain" : "mtp k=" + k;
                String extra = k == 0 ? "" : String.format(Locale.ROOT, "  ×%.2f  acceptance %.3f  %.2f tokens/pass",
                        plainMedian / med, stats[k].acceptanceRate(), stats[k].tokensPerPass());
                System.out.printf(Locale.ROOT, "%-9s best %7.2f  median %7.2f tok/s%s%n", name, (n - 1) / best, (n - 1) / med, extra);
            }
        }
    }

    /** One prefill and n − 1 decoded tokens into {@code out}; returns the decode phase's seconds. */
    private static double run(Qwen3NextModel model, int[] prompt, int[] out, MtpDecoder d) {
        int n = out.length;
        SequenceState s = model.newState(prompt.length + n + (d == null ? 0 : d.draftTokens()), d != null);
        FirstTokenClock clock = new FirstTokenClock(); // the decode phase starts after the first token
        int[] tokens = TokenLoop.builder(model, s, prompt).maxTokens(n).prefillChunk(prompt.length)
                .decoder(d == null ? Decoders.plain() : d).sink(clock).build().generate();
        long end = System.nanoTime();
        System.arraycopy(tokens, 0, out, 0, n);
        return (end - clock.start()) / 1e9;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
