package dev.nextinfer.bench;

import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
 * The yardstick for the mat-vec numbers: how fast plain Java reads memory on this machine, summing a 1 GiB
 * off-heap segment with vector loads on 1 or 2 threads (the same pool the kernels use).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class BandwidthBench {
    /** Bytes read per invocation. */
    public static final long BYTES = 1L << 30;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int CHUNK = 1 << 20;

    /** Threads of the pool, the caller included. */
    @Param({"1", "2"})
    public int threads;

    private Arena arena;
    private ThreadPool pool;
    private MemorySegment data;
    private final float[] partial = new float[(int) (BYTES / CHUNK)];

    /** Allocates and touches the segment. */
    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        data = arena.allocate(BYTES, 64);
        data.fill((byte) 1);
        pool = new ThreadPool(threads);
    }

    /** Releases the pool and the memory. */
    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        arena.close();
    }

    /** Reads all {@link #BYTES} once. */
    @Benchmark
    public float read() {
        pool.parallelFor(partial.length, 16, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                partial[c] = sum((long) c * CHUNK);
            }
        });
        float s = 0;
        for (float p : partial) {
            s += p;
        }
        return s;
    }

    private float sum(long base) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int step = F.vectorByteSize();
        for (int o = 0; o < CHUNK; o += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, data, base + o, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, data, base + o + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, data, base + o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, data, base + o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a0.add(a1).add(a2).add(a3).reduceLanes(VectorOperators.ADD);
    }
}
