package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link DecodeBatcher}: eight threads stepping their own sequences at the same time get, step for step, the logits
 * of decoding alone, while their steps share forward passes; a step its state cannot take fails alone, with the
 * model's one-line error, and the steps batched with it still run.
 */
class DecodeBatcherTest {
    private static final int THREADS = 8;
    private static final int STEPS = 12;

    @Test
    void concurrentStepsShareForwardPassesAndKeepTheirResults() throws Exception {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build())) {
            Qwen3NextModel model = q.model();
            List<List<float[]>> alone = new ArrayList<>();
            for (int i = 0; i < THREADS; i++) {
                alone.add(decode(model, i, null, null));
            }
            DecodeBatcher batcher = new DecodeBatcher(model, 5);
            // every pass waits until a second step has queued, if one of this round's is still to come (the threads
            // step in rounds, each round the THREADS steps after the barrier): on its own a tiny model's pass ends
            // before the threads released with it have woken up, and steps would rarely share a pass
            batcher.beforeEachPass(() -> {
                int toCome = THREADS - (int) (batcher.stats().steps() % THREADS);
                long until = System.nanoTime() + 60_000_000_000L; // only against a hang: the steps do arrive
                while (batcher.queued() < Math.min(2, toCome) && System.nanoTime() < until) {
                    java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                }
            });
            CyclicBarrier together = new CyclicBarrier(THREADS);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<List<float[]>>> runs = new ArrayList<>();
                for (int i = 0; i < THREADS; i++) {
                    int id = i;
                    runs.add(pool.submit(() -> decode(model, id, batcher, together)));
                }
                for (int i = 0; i < THREADS; i++) {
                    List<float[]> got = runs.get(i).get();
                    for (int s = 0; s <= STEPS; s++) {
                        assertArrayEquals(alone.get(i).get(s), got.get(s), "thread " + i + " step " + s);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            DecodeBatcher.Stats stats = batcher.stats();
            assertEquals((long) THREADS * STEPS, stats.steps());
            assertTrue(stats.batches() < stats.steps(), "steps shared passes: " + stats);
            assertTrue(stats.widest() >= 2 && stats.widest() <= 5, "at most maxBatch per pass: " + stats);
        }
    }

    @Test
    void aStepItsStateCannotTakeFailsAlone() throws Exception {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(1).build())) {
            Qwen3NextModel model = q.model();
            DecodeBatcher batcher = new DecodeBatcher(model, 4);
            SequenceState full = model.newState(1);
            model.forward(new int[] {3}, 0, 1, full, false, false);
            NextInferException e = assertThrows(NextInferException.class, () -> batcher.step(full, 4));
            assertTrue(e.getMessage().contains("at most 1 positions"), e.getMessage());

            // a full state and a healthy one arriving together: the healthy one still gets its exact step
            float[] want;
            try (SequenceState ref = model.newState(4)) {
                want = model.forward(new int[] {9}, 0, 1, ref, false, false).logits();
            }
            SequenceState healthy = model.newState(4);
            CyclicBarrier both = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<float[]> ok = pool.submit(() -> {
                    both.await();
                    return batcher.step(healthy, 9);
                });
                Future<Throwable> bad = pool.submit(() -> {
                    both.await();
                    try {
                        batcher.step(full, 4);
                        return null;
                    } catch (NextInferException ex) {
                        return ex;
                    }
                });
                assertArrayEquals(want, ok.get());
                assertTrue(bad.get() != null && bad.get().getMessage().contains("at most 1 positions"));
                assertEquals(1, healthy.position());
                assertEquals(1, full.position());
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Prefills thread {@code i}'s prompt, then {@value #STEPS} greedy steps (through the batcher if given). */
    private static List<float[]> decode(Qwen3NextModel model, int i, DecodeBatcher batcher, CyclicBarrier together) throws Exception {
        int vocab = model.config().vocabSize();
        int[] prompt = Fixtures.prompt("tiny-f32", i % 2 == 0 ? 7 : 64);
        List<float[]> out = new ArrayList<>();
        try (SequenceState s = model.newState(prompt.length + STEPS + 1)) {
            if (i >= THREADS / 2) { // half of them differ from their twin by one extra token
                prompt = java.util.Arrays.copyOf(prompt, prompt.length - 1);
            }
            float[] logits = model.forward(prompt, 0, prompt.length, s, false, false).logits();
            out.add(logits);
            for (int step = 0; step < STEPS; step++) {
                int token = VectorOps.argmax(logits, 0, vocab);
                if (together != null) {
                    together.await();
                }
                logits = batcher != null ? batcher.step(s, token) : model.forward(new int[] {token}, 0, 1, s, false, false).logits();
                out.add(logits);
            }
        }
        return out;
    }
}
