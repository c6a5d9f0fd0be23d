package dev.nextinfer.bench;

import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.IntegerKernels;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * Mat-vec throughput of each kernel over many matrices in turn, as a decode step reads them: with enough matrices
 * (the default, 200 of 512 × 2048, is 0.1–0.2 GB per kernel) every pass streams its weights from DRAM, with few
 * (e.g. {@code --matrices 2}) they stay in cache, so the two runs separate a kernel's arithmetic from its memory
 * access. One thread; kernels timed one after the other in the order given, each for {@code --ms} per line, the
 * fastest pass reported, with the bytes a pass allocated (more than a few KB means C2 boxed vectors somewhere). An
 * {@code R32} suffix is the integer kernel's layout of the format ({@code --int8-activations}).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.StreamTiming \
 *      [--kernels Q4_0,Q4_0R32,Q4_K,Q4_KR32,Q6_K,Q6_KR32,Q8_0,Q8_0R32] [--rows 512] [--cols 2048] [--matrices 200]
 *      [--lines 6] [--ms 700]
 * </pre>
 * The kernels share a JVM on purpose: a decode compiles all of its formats' kernels in one JVM, and a kernel's speed
 * can depend on what was compiled before it (docs/performance.md); run a kernel alone to see it without that.
 */
public final class StreamTiming {
    private StreamTiming() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        String[] kernels = "Q4_0,Q4_0R32,Q4_K,Q4_KR32,Q6_K,Q6_KR32,Q8_0,Q8_0R32".split(",");
        int rows = 512;
        int cols = 2048;
        int matrices = 200;
        int lines = 6;
        long ms = 700;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--kernels" -> kernels = args[i + 1].split(",");
                case "--rows" -> rows = Integer.parseInt(args[i + 1]);
                case "--cols" -> cols = Integer.parseInt(args[i + 1]);
                case "--matrices" -> matrices = Integer.parseInt(args[i + 1]);
                case "--lines" -> lines = Integer.parseInt(args[i + 1]);
                case "--ms" -> ms = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Arena arena = Arena.ofAuto();
        Matrix[][] m = new Matrix[kernels.length][matrices];
        for (int k = 0; k < kernels.length; k++) {
            for (int i = 0; i < matrices; i++) {
                m[k][i] = build(arena, kernels[k], rows, cols);
            }
        }
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) {
            x[i] = (float) Math.sin(i);
        }
        float[] y = new float[rows];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        double weights = (double) rows * cols * matrices;
        for (int line = 0; line < lines; line++) {
            StringBuilder out = new StringBuilder();
            for (int k = 0; k < kernels.length; k++) {
                long best = Long.MAX_VALUE;
                long end = System.nanoTime() + ms * 1_000_000L;
                while (System.nanoTime() < end) {
                    long t0 = System.nanoTime();
                    for (Matrix w : m[k]) {
                        w.matVec(x, 0, y, 0, 0, rows);
                    }
                    best = Math.min(best, System.nanoTime() - t0);
                }
                long a0 = threads.getCurrentThreadAllocatedBytes();
                for (Matrix w : m[k]) {
                    w.matVec(x, 0, y, 0, 0, rows);
                }
                long allocated = threads.getCurrentThreadAllocatedBytes() - a0;
                long bytes = 0;
                for (Matrix w : m[k]) {
                    bytes += w.byteSize();
                }
                out.append(String.format(Locale.ROOT, "%s %.1f G weights/s %.1f GB/s %d KB | ", kernels[k], weights / best,
                        (double) bytes / best, allocated / 1024));
            }
            System.out.println(out);
        }
    }

    private static Matrix build(Arena arena, String kernel, int rows, int cols) {
        boolean r32 = kernel.endsWith("R32");
        MatrixFormat f = MatrixFormat.valueOf(r32 ? kernel.substring(0, kernel.length() - 3) : kernel);
        Matrix w = BenchMatrices.single(arena, f, rows, cols);
        if (!r32) {
            return w;
        }
        Matrix r = IntegerKernels.repack(w, arena, null);
        if (!IntegerKernels.repacked(r)) {
            throw new IllegalArgumentException("no integer kernel for " + f);
        }
        return r;
    }
}
