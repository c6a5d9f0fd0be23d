package dev.nextinfer.tools.bench;

import dev.nextinfer.kernels.HugePageArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * How fast this JVM reads memory right now, on a given number of threads: the yardstick {@code bench --bandwidth}
 * puts its decode figures against, measured in the same run because on a shared machine the figure moves by half
 * from hour to hour (31–61 GB/s on 2 threads here). Each thread sums its own contiguous share of an off-heap
 * buffer far larger than the caches with vector loads into four independent sums; the fastest of several passes
 * after a warm-up one counts. A plain read is the most a kernel can stream; a kernel also computes, so its share of
 * this figure says how much of the bus it uses.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Long> L = LongVector.SPECIES_PREFERRED;
    /** Smallest buffer that measures memory rather than cache on the machines this runs on (L3 up to 32 MB). */
    public static final long MIN_BYTES = 64L << 20;
    private static final int PASSES = 5;

    private MemoryBandwidth() {
    }

    /**
     * Bytes per second that {@code threads} threads read together from a buffer of {@code bytes} (at least
     * {@link #MIN_BYTES}; rounded down to whole vectors per thread), the fastest of {@value #PASSES} passes.
     *
     * @throws IllegalArgumentException if {@code threads < 1} or {@code bytes < MIN_BYTES}
     */
    public static double measure(int threads, long bytes) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        }
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException("the bandwidth probe needs at least " + (MIN_BYTES >> 20) + " MiB, got " + bytes + " bytes");
        }
        long vector = L.vectorByteSize();
        long share = bytes / threads / (4 * vector) * (4 * vector);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "nextinfer-bandwidth");
            t.setDaemon(true);
            return t;
        });
        try (Arena arena = new HugePageArena(Arena.ofShared())) { // huge pages where the model's weights have them
            MemorySegment data = arena.allocate(share * threads, 64);
            data.fill((byte) 1); // touch every page before timing
            double best = 0;
            for (int pass = 0; pass <= PASSES; pass++) {
                List<Future<Long>> parts = new ArrayList<>(threads);
                long t0 = System.nanoTime();
                for (int i = 0; i < threads; i++) {
                    long from = i * share;
                    parts.add(pool.submit(() -> sum(data, from, from + share)));
                }
                long check = 0;
                for (Future<Long> f : parts) {
                    check += f.get();
                }
                long ns = System.nanoTime() - t0;
                if (check != share * threads / 8 * 0x0101010101010101L) { // every long is 0x0101…01 (sums wrap alike)
                    throw new IllegalStateException("bandwidth probe read wrong data");
                }
                if (pass > 0) { // the first pass warms up the JIT and the threads
                    best = Math.max(best, share * threads * 1e9 / ns);
                }
            }
            return best;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring memory bandwidth", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("bandwidth probe failed", e.getCause());
        } finally {
            pool.shutdownNow();
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
