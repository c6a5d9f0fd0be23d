package dev.nextinfer.bench;

import dev.nextinfer.kernels.BF16Matrix;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.Q4_0Matrix;
import dev.nextinfer.kernels.Q8_0Matrix;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The expert part of one MoE decode step with the real Qwen3-Next shapes: 10 routed + 1 shared expert, gate/up
 * (512×2048) in one grouped region, down (2048×512) in a second, out of 64 layers' worth of experts (so the weights
 * come from memory, not cache). Reports time per step; bytes streamed per step are 11 × 3 × 512 × 2048 weights.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC", "-Xmn128m"})
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 5)
public class MoeDecodeBench {
    @Param({"q8_0", "bf16", "q4_0"})
    public String format;

    @Param({"2"})
    public int threads;

    private static final int EXPERTS = 64 * 11; // distinct experts cycled through: ~70 MB per step-layer → cold
    private static final int I = 512;
    private static final int H = 2048;

    private Arena arena;
    private ThreadPool pool;
    private Matrix[] gate;
    private Matrix[] up;
    private Matrix[] down;
    private float[] x;
    private int step;

    /** Allocates and quantises the experts. */
    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        pool = new ThreadPool(threads);
        gate = new Matrix[EXPERTS];
        up = new Matrix[EXPERTS];
        down = new Matrix[EXPERTS];
        SplittableRandom r = new SplittableRandom(3);
        for (int e = 0; e < EXPERTS; e++) {
            gate[e] = matrix(I, H, r);
            up[e] = matrix(I, H, r);
            down[e] = matrix(H, I, r);
        }
        x = new float[H];
        for (int i = 0; i < H; i++) {
            x[i] = (float) r.nextGaussian();
        }
    }

    private Matrix matrix(int rows, int cols, SplittableRandom r) {
        float[] row = new float[cols];
        MemorySegment seg = switch (format) {
            case "q8_0" -> Q8_0Matrix.allocate(arena, rows, cols);
            case "q4_0" -> Q4_0Matrix.allocate(arena, rows, cols);
            default -> arena.allocate(2L * rows * cols, 64);
        };
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < cols; c++) {
                row[c] = (float) (r.nextGaussian() * 0.02);
            }
            switch (format) {
                case "q8_0" -> Q8_0Matrix.quantizeRow(row, 0, seg, rows, cols, i);
                case "q4_0" -> Q4_0Matrix.quantizeRow(row, 0, seg, rows, cols, i);
                default -> {
                    for (int c = 0; c < cols; c++) {
                        seg.set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, 2L * ((long) i * cols + c), BF16Matrix.fromFloat(row[c]));
                    }
                }
            }
        }
        return switch (format) {
            case "q8_0" -> new Q8_0Matrix(seg, rows, cols);
            case "q4_0" -> new Q4_0Matrix(seg, rows, cols);
            default -> new BF16Matrix(seg, rows, cols);
        };
    }

    /** Frees everything. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** gate/up of 11 experts in one region, then their down projections in another. */
    @Benchmark
    public float expertsOfOneToken() {
        int base = (step++ % 64) * 11;
        Matrix[] gu = new Matrix[22];
        float[][] in = new float[22][];
        int[] n = new int[22];
        float[][] out = new float[22][];
        for (int i = 0; i < 11; i++) {
            gu[2 * i] = gate[base + i];
            gu[2 * i + 1] = up[base + i];
            in[2 * i] = in[2 * i + 1] = x;
            n[2 * i] = n[2 * i + 1] = 1;
            out[2 * i] = new float[I];
            out[2 * i + 1] = new float[I];
        }
        GroupedLinear.forward(pool, 22, gu, in, n, out);
        Matrix[] dn = new Matrix[11];
        float[][] act = new float[11][];
        float[][] y = new float[11][];
        int[] n1 = new int[11];
        for (int i = 0; i < 11; i++) {
            dn[i] = down[base + i];
            act[i] = out[2 * i];
            y[i] = new float[H];
            n1[i] = 1;
        }
        GroupedLinear.forward(pool, 11, dn, act, n1, y);
        return y[0][0];
    }
}
