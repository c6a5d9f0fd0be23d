package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.testing.TextModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Memory admission before compute: the estimate from the shapes, a context that cannot fit refused at load with the
 * numbers (or, when none is asked for, the context fitted to memory), and sessions reserving their sequence's
 * memory — evicting idle sessions' kept states, refusing only when running generations hold it.
 */
class MemoryAdmissionTest {
    private static long fixed;   // weights + scratch
    private static long perPage; // KV bytes per 64 positions
    private static long dn;      // DeltaNet state of one session (live + snapshots)

    @BeforeAll
    static void measure() {
        try (Qwen3Next q = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            MemoryEstimate zero = q.memoryEstimate(0, false);
            dn = zero.stateBytes();
            fixed = zero.totalBytes() - dn;
            perPage = q.memoryEstimate(64, false).kvBytes();
            assertEquals(0, zero.kvBytes());
            assertTrue(q.memoryLimit() > fixed);
        }
    }

    private static Qwen3Next load(long limit, int context) {
        return Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).memoryLimit(limit).contextLength(context).build());
    }

    @Test
    void estimateOfTheRealModel() throws Exception {
        Qwen3NextConfig cfg = ConfigParser.parse(Files.readString(Path.of("../models/qwen3-next-80b-a3b-instruct.config.json")), "c");
        MemoryEstimate e = MemoryEstimate.of(cfg, 0, KvCacheFormat.F16, 262144, 1, false, 0);
        // 12 attention layers × 4096 pages × (2 kv heads × 256 × 64 positions × 2 (K, V) × 2 bytes)
        assertEquals(12L * 4096 * 2 * 256 * 64 * 2 * 2, e.kvBytes());
        assertEquals(6_442_450_944L, e.kvBytes());
        // 36 DeltaNet layers × (3 × 8192 conv window + 32 × 128 × 128) floats
        assertEquals(36L * 4 * (3 * 8192 + 32 * 128 * 128), e.stateBytes());
        MemoryEstimate q8 = MemoryEstimate.of(cfg, 0, KvCacheFormat.Q8_0, 1_048_576, 1, false, 0);
        assertEquals(12L * 16384 * 2 * 2 * (256 * 64 + 2 * 8 * 64), q8.kvBytes(), "q8_0: 34 bytes per 32 values");
        assertTrue(e.describe().contains("262144 positions, f16"), e.describe());
    }

    @Test
    void contextThatCannotFitIsRefusedAtLoadAndTheDefaultFitsMemory() {
        long limit = fixed + dn + 10 * perPage;
        MemoryLimitException e = assertThrows(MemoryLimitException.class, () -> load(limit, 64 * 20));
        assertFalse(e.retryable());
        assertTrue(e.getMessage().contains("a context of 1280 positions needs") && e.getMessage().contains("at most 640 positions fit"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        try (Qwen3Next q = load(limit, 0)) {
            assertEquals(640, q.contextLength());
            assertTrue(q.contextNote().contains("context limited to 640"), q.contextNote());
        }
        try (Qwen3Next q = load(limit, 600)) {
            assertEquals(600, q.contextLength());
            assertNull(q.contextNote());
            assertThrows(MemoryLimitException.class, () -> q.requireFits(10_000, false));
        }
        MemoryLimitException tooSmall = assertThrows(MemoryLimitException.class, () -> load(fixed / 2, 0));
        assertTrue(tooSmall.getMessage().contains("the model needs"), tooSmall.getMessage());
    }

    @Test
    void idleSessionsMakeRoomAndBusyOnesRefuseWithRetry() throws Exception {
        // room for one sequence of 500 positions, not for two of 300 and 500
        long limit = fixed + dn + 8 * perPage + dn / 2;
        try (Qwen3Next q = load(limit, 500)) {
            int[] prompt = new int[280];
            java.util.Arrays.fill(prompt, 100);
            GenerationConfig small = GenerationConfig.builder().maxTokens(20).stopTokenIds(java.util.Set.of()).build();
            GenerationConfig big = GenerationConfig.builder().maxTokens(200).stopTokenIds(java.util.Set.of()).build();
            Session a = q.newSession();
            Session b = q.newSession();
            a.generate(prompt, small, GenerationListener.NONE);
            assertTrue(a.history().length > 0);
            assertTrue(q.reservedMemory() > 0);

            b.generate(java.util.Arrays.copyOf(prompt, 300), big, GenerationListener.NONE); // evicts a's kept state
            assertEquals(0, a.history().length, "the idle session's state was dropped to make room");

            // now b is busy (blocked before sampling its first token) while a asks for room
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            java.util.function.Consumer<float[]> blockFirstSample = l -> {
                started.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            };
            Thread t = new Thread(() -> LogitsSpy.generate(b, new int[] {5, 6, 7}, big, blockFirstSample));
            t.start();
            assertTrue(started.await(60, TimeUnit.SECONDS));
            long before = a.computedTokens();
            MemoryLimitException busy = assertThrows(MemoryLimitException.class, () -> a.generate(prompt, big, GenerationListener.NONE));
            assertTrue(busy.retryable(), busy.getMessage());
            assertTrue(busy.getMessage().contains("retry"), busy.getMessage());
            assertEquals(before, a.computedTokens(), "refused before any compute");
            release.countDown();
            t.join();
            a.generate(prompt, small, GenerationListener.NONE); // b is idle again: its state gives way
            a.close();
            b.close();
            assertEquals(0, q.reservedMemory(), "closing sessions releases their reservations");
        }
    }
}
