package dev.nextinfer.bench;

import dev.nextinfer.kernels.IntegerKernels;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The few-row kernel against n mat-vecs in thread CPU time, for a machine shared with other work (where JMH's wall
 * time also counts the time this thread waits for a core). Per format, shape and n, after a warm-up: repetitions
 * that each time one {@link Matrix#matVecRows} over all rows and n {@link Matrix#matVec}s (alternating which runs
 * first), single-threaded, the weights warm in cache; prints the median and minimum of each, the ratio of the
 * medians (few-row ÷ mat-vecs: below 1 is a saving) and of the minima, and the bytes allocated per repetition (a few
 * KB of scratch; far more means C2 boxed vectors, and the timing is not the kernel's).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.FewRowTiming \
 *      [--formats Q4_K,Q6_K] [--shapes expert_down,expert_gate_up] [--n 2,4,8] [--reps 100] [--warmup-seconds 4] [--int8]
 * </pre>
 * With {@code --int8} the matrices are repacked for the integer kernels ({@link IntegerKernels#repack}, what
 * {@code --int8-activations} loads), so the few-row form timed is theirs. With {@code --versus matmul} the baseline is
 * {@link Matrix#matMul} over the n rows instead of n mat-vecs: above 5 rows the f32 prefill product, which rounds
 * differently, so the results are not compared; below 1 the few-row form would be the faster one for that many rows.
 * With {@code --fresh} every call gets other activations than the call before (two sets, alternating), so the
 * integer kernels quantise them each time, as each expert product of a prefill does; without it they reuse this
 * thread's last quantisation, which is what n mat-vecs of the same rows do.
 */
public final class FewRowTiming {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** {@code --fresh}: alternate two activation sets from call to call. */
    private static boolean fresh;

    private FewRowTiming() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        String[] formats = {"Q4_K", "Q6_K", "Q5_K", "Q3_K", "Q2_K", "IQ4_XS"};
        String[] shapes = {"expert_down", "expert_gate_up"};
        int[] ns = {2, 4, 8};
        int reps = 100;
        double warmup = 4;
        boolean int8 = false;
        fresh = false;
        boolean versusMatMul = false;
        for (int i = 0; i < args.length; i += 2) {
            if (args[i].equals("--int8") || args[i].equals("--fresh")) {
                int8 |= args[i].equals("--int8");
                fresh |= args[i].equals("--fresh");
                i--;
                continue;
            }
            switch (args[i]) {
                case "--formats" -> formats = args[i + 1].split(",");
                case "--shapes" -> shapes = args[i + 1].split(",");
                case "--n" -> ns = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--reps" -> reps = Integer.parseInt(args[i + 1]);
                case "--warmup-seconds" -> warmup = Double.parseDouble(args[i + 1]);
                case "--versus" -> versusMatMul = switch (args[i + 1]) {
                    case "matmul" -> true;
                    case "matvecs" -> false;
                    default -> throw new IllegalArgumentException("--versus takes matvecs or matmul, got " + args[i + 1]);
                };
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        String baseline = versusMatMul ? "matMul" : "n mat-vecs";
        System.out.println("| format | shape | n | few-row median µs | min | " + baseline + " median µs | min | ratio of medians | ratio of minima | bytes allocated per repetition |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|");
        try (Arena arena = Arena.ofConfined()) {
            // a first pass over every configuration, untimed, so that the JIT has compiled every kernel before any
            // timing (the first configuration after a per-configuration warm-up alone was still being compiled)
            for (String fs : formats) {
                MatrixFormat f = MatrixFormat.valueOf(fs.toUpperCase(Locale.ROOT));
                for (String ss : shapes) {
                    BenchMatrices.Shape shape = BenchMatrices.Shape.parse(ss);
                    Matrix w = matrix(arena, f, shape, int8);
                    for (int n : ns) {
                        warmUp(w, n, warmup, versusMatMul);
                    }
                }
            }
            for (String fs : formats) {
                MatrixFormat f = MatrixFormat.valueOf(fs.toUpperCase(Locale.ROOT));
                for (String ss : shapes) {
                    BenchMatrices.Shape shape = BenchMatrices.Shape.parse(ss);
                    Matrix w = matrix(arena, f, shape, int8);
                    for (int n : ns) {
                        run(w, f, ss, n, reps, warmup, versusMatMul);
                    }
                }
            }
        }
    }

    private static Matrix matrix(Arena arena, MatrixFormat f, BenchMatrices.Shape shape, boolean int8) {
        Matrix w = BenchMatrices.single(arena, f, shape.rows, shape.cols);
        return int8 ? IntegerKernels.repack(w, arena, null) : w;
    }

    private static float[] activations(int n, int cols) {
        return activations(n, cols, 1);
    }

    private static float[] activations(int n, int cols, long seed) {
        float[] x = new float[n * cols];
        Random rnd = new Random(seed);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static void warmUp(Matrix w, int n, double seconds, boolean versusMatMul) {
        float[] x = activations(n, w.cols());
        float[] other = fresh ? activations(n, w.cols(), 2) : x;
        float[] y = new float[n * w.rows()];
        float[] y2 = new float[n * w.rows()];
        long end = System.nanoTime() + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
            w.matVecRows(other, 0, w.cols(), n, y, 0, w.rows(), 0, w.rows());
            baseline(w, other, n, y2, versusMatMul);
            w.matVecRows(x, 0, w.cols(), n, y, 0, w.rows(), 0, w.rows());
            baseline(w, x, n, y2, versusMatMul);
        }
        if (!versusMatMul && !Arrays.equals(y, y2)) {
            throw new AssertionError(w.format() + ": the few-row kernel's results differ from the mat-vecs'");
        }
    }

    private static void run(Matrix w, MatrixFormat f, String shape, int n, int reps, double warmup, boolean versusMatMul) {
        int rows = w.rows();
        int cols = w.cols();
        float[] x = activations(n, cols);
        float[] other = fresh ? activations(n, cols, 2) : x;
        float[] y = new float[n * rows];
        float[] y2 = new float[n * rows];
        warmUp(w, n, warmup / 2, versusMatMul);
        long a0 = allocated();
        long[] few = new long[reps];
        long[] vecs = new long[reps];
        for (int r = 0; r < reps; r++) {
            float[] xr = (r & 1) == 0 ? x : other; // with --fresh, each few-row call gets other rows than the last
            if ((r & 1) == 0) {
                few[r] = timeFew(w, xr, n, y);
                vecs[r] = timeBaseline(w, xr, n, y2, versusMatMul);
            } else {
                vecs[r] = timeBaseline(w, xr, n, y2, versusMatMul);
                few[r] = timeFew(w, xr, n, y);
            }
        }
        long allocated = (allocated() - a0) / reps;
        Arrays.sort(few);
        Arrays.sort(vecs);
        double fm = few[reps / 2] / 1e3;
        double vm = vecs[reps / 2] / 1e3;
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %d |%n", f, shape, n, fm,
                few[0] / 1e3, vm, vecs[0] / 1e3, fm / vm, (double) few[0] / vecs[0], allocated);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) THREADS).getCurrentThreadAllocatedBytes();
    }

    private static long timeFew(Matrix w, float[] x, int n, float[] y) {
        long t0 = THREADS.getCurrentThreadCpuTime();
        w.matVecRows(x, 0, w.cols(), n, y, 0, w.rows(), 0, w.rows());
        return THREADS.getCurrentThreadCpuTime() - t0;
    }

    private static long timeBaseline(Matrix w, float[] x, int n, float[] y, boolean versusMatMul) {
        long t0 = THREADS.getCurrentThreadCpuTime();
        baseline(w, x, n, y, versusMatMul);
        return THREADS.getCurrentThreadCpuTime() - t0;
    }

    private static void baseline(Matrix w, float[] x, int n, float[] y, boolean versusMatMul) {
        if (versusMatMul) {
            w.matMul(x, 0, w.cols(), n, y, 0, w.rows(), 0, w.rows());
        } else {
            matVecs(w, x, n, y);
        }
    }

    private static void matVecs(Matrix w, float[] x, int n, float[] y) {
        for (int t = 0; t < n; t++) {
            w.matVec(x, t * w.cols(), y, t * w.rows(), 0, w.rows());
        }
    }
}
