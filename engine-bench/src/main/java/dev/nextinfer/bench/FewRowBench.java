package dev.nextinfer.bench;

import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.util.Random;
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
 * The few-row kernel against its alternative: {@code n} activation rows through one {@link MatMulMode#ROW_EXACT}
 * product (each weight row widened once for all {@code n}) versus {@code n} separate mat-vecs (what {@code n}
 * sequences decoded one by one cost). Both give the same bits; the ratio is the batched decode step's saving on
 * the products. The shape is a {@link BenchMatrices.Shape} (default: 2048 × 2048, 8 MB in bf16, 4.4 MB in q8_0; the
 * experts' {@code expert_down} 2048 × 512 and {@code expert_gate_up} 512 × 2048), on a pool of 1 or 2 threads.
 * {@link FewRowTiming} makes the same comparison in thread CPU time, for a shared machine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 3, time = 1)
public class FewRowBench {
    /** Weight format. */
    @Param({"Q8_0", "Q4_0", "BF16", "Q4_K", "Q6_K", "Q5_K", "Q3_K", "Q2_K", "IQ4_XS"})
    public MatrixFormat format;

    /** Matrix shape, a {@link BenchMatrices.Shape} in lower case. */
    @Param({"square_2048"})
    public String shape;

    /** Activation rows. */
    @Param({"2", "4", "8", "16"})
    public int n;

    /** Threads of the pool, the caller included. */
    @Param({"1"})
    public int threads;

    private Arena arena;
    private ThreadPool pool;
    private Matrix w;
    private float[] x;
    private float[] y;

    /** Builds the matrix, the activations and the pool. */
    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        BenchMatrices.Shape sh = BenchMatrices.Shape.parse(shape);
        w = BenchMatrices.single(arena, format, sh.rows, sh.cols);
        pool = new ThreadPool(threads);
        x = new float[n * w.cols()];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y = new float[n * w.rows()];
    }

    /** Releases the pool and the weights. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** One few-row product over the n rows. */
    @Benchmark
    public float fewRows() {
        Linear.forward(pool, MatMulMode.ROW_EXACT, w, x, 0, w.cols(), n, y, 0, w.rows());
        return y[0];
    }

    /** n mat-vecs, one per row. */
    @Benchmark
    public float matVecs() {
        for (int t = 0; t < n; t++) {
            Linear.forward(pool, w, x, t * w.cols(), w.cols(), 1, y, t * w.rows(), w.rows());
        }
        return y[0];
    }
}
