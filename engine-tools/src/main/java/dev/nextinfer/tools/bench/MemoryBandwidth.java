package dev.nextinfer.tools.bench;

import dev.nextinfer.kernels.HugePageArena;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast this JVM reads memory right now, on the engine's own thread pool: the yardstick {@code bench --bandwidth}
 * puts its decode figures against, measured in the same run because on a shared machine the figure moves by half
 * from hour to hour (31–61 GB/s on 2 threads here). The pool's threads sum chunks of an off-heap buffer far larger
 * than the caches with vector loads into four independent sums; the fastest of several passes after a warm-up one
 * counts. A plain read is the most a kernel can stream; a kernel also computes, so its share of
 * this figure says how much of the bus it uses.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    /** Smallest buffer that measures memory rather than cache on the machines this runs on (L3 up to 32 MB). */
    public static final long MIN_BYTES = 64L << 20;
    private static final int PASSES = 5;
    /** Bytes per piece of work: a multiple of four vectors of any width, long enough for the prefetchers. */
    private static final long CHUNK_BYTES = 4L << 20;

    private MemoryBandwidth() {
    }

    /**
     * Bytes per second that {@code pool}'s threads read together from a buffer of {@code bytes} (at least
     * {@link #MIN_BYTES}; rounded down to whole chunks), the fastest of {@value #PASSES} passes after a warm-up one.
     * The buffer is read in chunks of {@value #CHUNK_BYTES} bytes handed out over the pool, as the kernels' work is.
     *
     * @throws IllegalArgumentException if {@code bytes < MIN_BYTES}
     */
    public static double measure(ThreadPool pool, long bytes) {
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException("the bandwidth probe needs at least " + (MIN_BYTES >> 20) + " MiB, got " + bytes + " bytes");
        }
        int chunks = (int) (bytes / CHUNK_BYTES);
        long[] partial = new long[chunks];
        try (Arena arena = new HugePageArena(Arena.ofShared())) { // huge pages where the model's weights have them
            MemorySegment data = arena.allocate((long) chunks * CHUNK_BYTES, 64);
            data.fill((byte) 1); // touch every page before timing
            double best = 0;
            for (int pass = 0; pass <= PASSES; pass++) {
                long t0 = System.nanoTime();
                pool.parallelFor(chunks, 1, (c0, c1) -> {
                    for (int c = c0; c < c1; c++) {
                        partial[c] = sum(data, (long) c * CHUNK_BYTES, (long) (c + 1) * CHUNK_BYTES);
                    }
                });
                long ns = System.nanoTime() - t0;
                long check = 0;
                for (long p : partial) {
                    check += p;
                }
                if (check != (long) chunks * (CHUNK_BYTES / 8) * 0x0101010101010101L) { // every long is 0x0101…01 (sums wrap alike)
                    throw new IllegalStateException("bandwidth probe read wrong data");
                }
                if (pass > 0) { // the first pass warms up the JIT
                    best = Math.max(best, (double) chunks * CHUNK_BYTES * 1e9 / ns);
                }
            }
            return best;
        }
    }

    /** Sum of the longs of {@code [from, to)} (a multiple of four vectors long), four independent vector sums. */
    static long sum(MemorySegment data, long from, long to) {
        long step = L.vectorByteSize();
        LongVector a = LongVector.zero(L);
        LongVector b = LongVector.zero(L);
        LongVector c = LongVector.zero(L);
        LongVector d = LongVector.zero(L);
        for (long o = from; o < to; o += 4 * step) {
            a = a.add(LongVector.fromMemorySegment(L, data, o, ByteOrder.LITTLE_ENDIAN));
            b = b.add(LongVector.fromMemorySegment(L, data, o + step, ByteOrder.LITTLE_ENDIAN));
            c = c.add(LongVector.fromMemorySegment(L, data, o + 2 * step, ByteOrder.LITTLE_ENDIAN));
            d = d.add(LongVector.fromMemorySegment(L, data, o + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        return a.add(b).add(c).add(d).reduceLanes(VectorOperators.ADD);
    }
}
