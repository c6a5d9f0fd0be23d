package dev.nextinfer.bench;

import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
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
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decode mat-vec ({@code y = W·x}, one activation row) per weight format on the real decode shapes of
 * Qwen3-Next-80B-A3B, through {@link Linear#forward} on a {@link ThreadPool} of 1 or 2 threads. Each invocation uses
 * the next of several copies of the matrix (≥ 256 MB in all), so weights stream from DRAM as in a real decode step
 * rather than from the 32 MB L3. {@link MatrixReport} turns the times into GB/s of weights streamed.
 *
 * <p>{@link #stream} is the yardstick measured alongside: it reads the same bytes of the same copies, split over
 * the same threads in the same chunks, with a plain integer sum. On a shared VM the available memory bandwidth
 * drifts by tens of percent over minutes, so the mat-vec is compared with this reference run next to it rather
 * than with one bandwidth figure.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatVecBench {
    /** Weight format. */
    @Param({"BF16", "Q8_0", "Q4_0", "F32", "Q4_K", "Q5_K", "Q6_K"})
    public MatrixFormat format;

    /** Matrix shape (see {@link BenchMatrices.Shape}). */
    @Param({"in_proj_qkvz", "out_proj", "expert_gate_up", "expert_down", "lm_head"})
    public String shape;

    /** Threads of the pool, the caller included. */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private ThreadPool pool;
    private Matrix[] copies;
    private float[] x;
    private float[] y;
    private int next;
    private long[] sink;
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;

    /** Builds the matrix copies and the pool. */
    @Setup(Level.Trial)
    public void setUp() {
        BenchMatrices.Shape s = BenchMatrices.Shape.parse(shape);
        arena = Arena.ofShared();
        copies = BenchMatrices.coldCopies(arena, format, s.rows, s.cols, 1);
        pool = new ThreadPool(threads);
        x = new float[s.cols];
        Random rnd = new Random(1);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        y = new float[s.rows];
        sink = new long[s.rows];
    }

    /** Releases the pool and the weights. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** One mat-vec over the next copy. */
    @Benchmark
    public float matVec() {
        Matrix w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        Linear.forward(pool, w, x, 1, y);
        return y[0];
    }

    /** Reads the bytes {@link #matVec} would stream from the next copy, with a plain sum (the yardstick). */
    @Benchmark
    public long stream() {
        Matrix w = copies[next];
        next = next + 1 == copies.length ? 0 : next + 1;
        MemorySegment seg = BenchMatrices.segment(w);
        int rows = w.rows();
        long rowBytes = BenchMatrices.weightBytes(format, rows, w.cols()) / rows;
        int grain = (Math.max(8, rows / (pool.threads() * 8)) + 3) & ~3; // as Linear.forward
        pool.parallelFor(rows, grain, (r0, r1) -> sink[r0] = sum(seg, r0 * rowBytes, r1 * rowBytes));
        return sink[0];
    }

    private static long sum(MemorySegment seg, long from, long to) {
        LongVector a0 = LongVector.zero(L), a1 = a0, a2 = a0, a3 = a0;
        long step = L.vectorByteSize();
        long o = from;
        for (; o + 4 * step <= to; o += 4 * step) {
            a0 = a0.add(LongVector.fromMemorySegment(L, seg, o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(LongVector.fromMemorySegment(L, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(LongVector.fromMemorySegment(L, seg, o + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(LongVector.fromMemorySegment(L, seg, o + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }
}
