package dev.nextinfer.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class MemoryBandwidthTest {
    @Test
    void sumsEveryLongOfItsRange() {
        try (Arena arena = Arena.ofConfined()) {
            int longs = 4096;
            MemorySegment s = arena.allocate(8L * longs, 64);
            long expected = 0;
            for (int i = 0; i < longs; i++) {
                long v = i * 0x9E3779B97F4A7C15L;
                s.setAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i, v);
                if (i >= 512 && i < 3584) {
                    expected += v;
                }
            }
            assertEquals(expected, MemoryBandwidth.sum(s, 8L * 512, 8L * 3584)); // whole groups of four vectors
        }
    }

    @Test
    void measuresAPositiveRateOnOneAndTwoThreads() {
        for (int threads = 1; threads <= 2; threads++) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                double rate = MemoryBandwidth.measure(pool, MemoryBandwidth.MIN_BYTES);
                assertTrue(rate > 1e8 && Double.isFinite(rate), threads + " threads: " + rate);
            }
        }
    }

    @Test
    void refusesABufferThatFitsInCache() {
        try (ThreadPool pool = new ThreadPool(1)) {
            assertThrows(IllegalArgumentException.class, () -> MemoryBandwidth.measure(pool, MemoryBandwidth.MIN_BYTES - 1));
        }
    }
}
