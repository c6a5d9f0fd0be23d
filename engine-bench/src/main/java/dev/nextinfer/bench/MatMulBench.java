package dev.nextinfer.bench;

import dev.nextinfer.kernels.Linear;
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
 * Prefill mat-mat ({@code Y = X·Wᵀ} for {@code n} activation rows) per weight format, through
 * {@link Linear#forward} on a {@link ThreadPool} of 1 or 2 threads. {@link MatrixReport} turns the times into
 * GFLOP/s ({@code 2·rows·cols·n} per invocation).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class MatMulBench {
    /** Weight format. */
    @Param({"BF16", "Q8_0", "Q4_0", "F32", "Q4_K", "Q5_K", "Q6_K"})
    public MatrixFormat format;

    /** Matrix shape (see {@link BenchMatrices.Shape}). */
    @Param({"square_2048"})
    public String shape;

    /** Activation rows. */
    @Param({"512"})
    public int n;

    /** Threads of the pool, the caller included. */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private ThreadPool pool;
    private Matrix w;
    private float[] x;
    private float[] y;

    /** Builds the matrix, the activations and the pool. */
    @Setup(Level.Trial)
    public void setUp() {
        BenchMatrices.Shape s = BenchMatrices.Shape.parse(shape);
        arena = Arena.ofShared();
        w = BenchMatrices.single(arena, format, s.rows, s.cols);
        pool = new ThreadPool(threads);
        x = new float[n * s.cols];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y = new float[n * s.rows];
    }

    /** Releases the pool and the weights. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** One mat-mat. */
    @Benchmark
    public float matMul() {
        Linear.forward(pool, w, x, n, y);
        return y[0];
    }
}
