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
 * The integer kernels' few-row form ({@link Matrix#matVecRows}) against {@link Matrix#matMul}, which runs the exact
 * f32 prefill product above {@code PanelMatMul.SMALL_N} (5) rows, on the same repacked matrix for n activation rows:
 * one thread, thread CPU time, a 512 × 2048 matrix (an expert's gate or up projection) warm in cache and the same
 * activations every repetition (so they are quantised once), the median of 40 repetitions after 20 untimed ones.
 * Below 1: the integer form would be faster for products of that many rows (docs/performance.md, "Batched decoding",
 * says why the engine does not use it there yet).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.IntegerRowsTiming \
 *      [Q4_0,Q4_K,Q5_K,Q6_K,Q8_0,IQ4_XS,IQ4_NL,Q2_K,Q3_K] [n,n,…]
 * </pre>
 */
public final class IntegerRowsTiming {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private IntegerRowsTiming() {
    }

    /** Entry point: formats and row counts, comma-separated. */
    public static void main(String[] args) {
        String[] formats = (args.length > 0 ? args[0] : "Q4_0,Q4_K,Q5_K,Q6_K,Q8_0,IQ4_XS,IQ4_NL,Q2_K,Q3_K").split(",");
        int[] ns = Arrays.stream((args.length > 1 ? args[1] : "6,8,12,16,32,64").split(",")).mapToInt(Integer::parseInt).toArray();
        Random rnd = new Random(1);
        try (Arena arena = Arena.ofConfined()) {
            for (String fs : formats) {
                MatrixFormat f = MatrixFormat.valueOf(fs.toUpperCase(Locale.ROOT));
                Matrix w = IntegerKernels.repack(BenchMatrices.single(arena, f, 512, 2048), arena, null);
                for (int n : ns) {
                    float[] x = new float[n * 2048];
                    for (int i = 0; i < x.length; i++) {
                        x[i] = (float) rnd.nextGaussian();
                    }
                    float[] y = new float[n * 512];
                    long[] few = new long[40];
                    long[] mul = new long[40];
                    for (int r = 0; r < 60; r++) {
                        long t0 = THREADS.getCurrentThreadCpuTime();
                        w.matVecRows(x, 0, 2048, n, y, 0, 512, 0, 512);
                        long t1 = THREADS.getCurrentThreadCpuTime();
                        w.matMul(x, 0, 2048, n, y, 0, 512, 0, 512);
                        long t2 = THREADS.getCurrentThreadCpuTime();
                        if (r >= 20) {
                            few[r - 20] = t1 - t0;
                            mul[r - 20] = t2 - t1;
                        }
                    }
                    Arrays.sort(few);
                    Arrays.sort(mul);
                    System.out.printf(Locale.ROOT, "%s n=%d few-row %.0f µs, matMul %.0f µs, ratio %.2f%n", f, n, few[20] / 1e3,
                            mul[20] / 1e3, (double) few[20] / mul[20]);
                }
            }
        }
    }
}
