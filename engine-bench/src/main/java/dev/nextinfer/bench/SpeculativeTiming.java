package dev.nextinfer.bench;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.PendingForward;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Times the parts of a speculative decoding round on a checkpoint. Every repetition runs each operation once,
 * each from a copy of the same sequence state (a prompt, then one fully accepted round of k drafts, so that the
 * next draft catches the MTP head up on k + 2 rows as in steady decoding); copies are not timed. All operations
 * first run in turn for a warm-up period (the JIT needs tens of seconds for the Vector API kernels). Interleaving
 * makes the ratios between operations robust to other load on the machine; the table gives the minimum and the
 * median over the repetitions, and each median's ratio to the decode step's.
 *
 * <ul>
 *   <li>{@code decode}: one plain decode step (one token);
 *   <li>{@code verify k}: a verification pass over k + 1 tokens plus the commit of all of them;
 *   <li>{@code commit a}: the deferred commit alone (a = k + 1 positions);
 *   <li>{@code draft k}: the k chained MTP draft steps of a round with their argmaxes;
 *   <li>{@code snapshot}: a deep copy of the sequence state (the snapshot-and-replay alternative pays this
 *       before each verification, again to restore, plus a replay pass).
 * </ul>
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.SpeculativeTiming \
 *      DIR [--weights bf16] [--threads N] [--reps 10] [--warmup-seconds 30] [--prompt 100]
 * </pre>
 */
public final class SpeculativeTiming {
    private static final int[] TOKENS = {11, 22, 33, 44, 55};

    private SpeculativeTiming() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        WeightFormat weights = null;
        int threads = 0;
        int reps = 10;
        double warmupSeconds = 30;
        int promptLength = 100;
        for (int i = 1; i < args.length; i += 2) {
            switch (args[i]) {
                case "--weights" -> weights = WeightFormat.parse(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--warmup-seconds" -> warmupSeconds = Double.parseDouble(args[i + 1]);
                case "--prompt" -> promptLength = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.builder().weights(weights).threads(threads).build())) {
            Qwen3NextModel m = q.model();
            int vocab = m.config().vocabSize();
            int[] prompt = new int[promptLength];
            for (int i = 0; i < promptLength; i++) {
                prompt[i] = (int) ((i * 7919L + 13) % vocab);
            }
            SequenceState prefilled = m.newState(promptLength + 16, true);
            TokenLoop.builder(m, prefilled, prompt).prefillChunk(promptLength).build().prefill(); // one pass
            SequenceState[] start = new SequenceState[5];
            for (int k = 1; k <= 4; k++) {
                start[k] = prefilled.copy();
                m.mtpDraft(start[k], TOKENS[0], false);
                m.forwardSpeculative(TOKENS, 0, k + 1, start[k]).commit(k + 1);
            }
            Map<String, List<Double>> times = new LinkedHashMap<>();
            long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
            for (int r = -1; r < reps; r++) { // r = −1: warm-up (the JIT), repeated until the warm-up time is over
                SequenceState plain = start[1].copy();
                long t = System.nanoTime();
                m.forward(TOKENS, 0, 1, plain, false, false);
                record(times, r, "decode", (System.nanoTime() - t) / 1e6);
                for (int k = 1; k <= 4; k++) {
                    int kk = k;
                    SequenceState s = start[k].copy();
                    long t0 = System.nanoTime();
                    PendingForward p = m.forwardSpeculative(TOKENS, 0, kk + 1, s);
                    long t1 = System.nanoTime();
                    p.commit(kk + 1);
                    long t2 = System.nanoTime();
                    record(times, r, "verify k=" + k, (t2 - t0) / 1e6);
                    record(times, r, "commit a=" + (k + 1), (t2 - t1) / 1e6);
                    SequenceState d = start[k].copy();
                    long t3 = System.nanoTime();
                    draft(m, d, kk, vocab);
                    record(times, r, "draft k=" + k, (System.nanoTime() - t3) / 1e6);
                }
                long t4 = System.nanoTime();
                SequenceState snapshot = start[1].copy();
                record(times, r, "snapshot", (System.nanoTime() - t4) / 1e6);
                if (snapshot.position() != start[1].position()) {
                    throw new AssertionError("snapshot");
                }
                if (r == -1 && System.nanoTime() < warmupEnd) {
                    r = -2;
                }
            }
            double decode = median(times.get("decode"));
            System.out.printf(Locale.ROOT, "%s, weights %s, %d threads, prompt %d, %d repetitions after %.0f s warm-up; state %.1f MB%n",
                    dir.getFileName(), weights == null ? "as stored" : weights, m.pool().threads(), promptLength, reps,
                    warmupSeconds, start[1].byteSize() / 1e6);
            System.out.printf(Locale.ROOT, "%-12s %10s %10s %8s%n", "operation", "min ms", "median ms", "÷ decode");
            times.forEach((name, t) -> System.out.printf(Locale.ROOT, "%-12s %10.2f %10.2f %8.3f%n",
                    name, t.stream().mapToDouble(Double::doubleValue).min().orElse(0), median(t), median(t) / decode));
        }
    }

    /** The k draft steps of a round: the first catches the head up and pairs its last row with the pending token. */
    static int draft(Qwen3NextModel m, SequenceState s, int k, int vocab) {
        ForwardResult d = m.mtpDraft(s, TOKENS[0], false);
        int next = VectorOps.argmax(d.logits(), 0, vocab);
        int h = m.config().hiddenSize();
        for (int i = 1; i < k; i++) {
            float[] last = Arrays.copyOfRange(d.hidden(), d.hidden().length - h, d.hidden().length);
            d = m.mtpForward(last, new int[] {next}, 1, s, false);
            next = VectorOps.argmax(d.logits(), 0, vocab);
        }
        return next;
    }

    private static void record(Map<String, List<Double>> times, int rep, String name, double ms) {
        if (rep >= 0) {
            times.computeIfAbsent(name, n -> new ArrayList<>()).add(ms);
        }
    }

    private static double median(List<Double> t) {
        double[] a = t.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
