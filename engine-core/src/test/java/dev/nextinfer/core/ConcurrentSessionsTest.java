package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.TextModels;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Sessions on one shared model, run from 4 threads at once, give bit-identical tokens and logits to running them
 * one after another: parallel regions of different sessions are serialised by the pool and only ever split
 * independent outputs.
 */
class ConcurrentSessionsTest {

    private record Run(int[] tokens, List<float[]> logits) {
    }

    private static Run run(Qwen3Next model, int i, CyclicBarrier start) throws Exception {
        StringBuilder p = new StringBuilder("Prompt " + i + ": ");
        for (int k = 0; k < (i == 3 ? 120 : 3 + 5 * i); k++) {
            p.append("word").append(k * (i + 1)).append(' ');
        }
        GenerationConfig cfg = GenerationConfig.builder().maxTokens(10 + 3 * i).temperature(i == 0 ? 0 : 0.9)
                .topP(0.95).repetitionPenalty(1.1).seed(100L + i).build();
        Session s = model.newSession();
        List<float[]> logits = new ArrayList<>();
        if (start != null) {
            start.await();
        }
        int[] prompt = model.tokenizer().encode(p.toString());
        int[] tokens = LogitsSpy.generate(s, prompt, cfg, l -> logits.add(l.clone())).tokenIds();
        // a second turn on the same session (prefix reuse) is part of the workload too
        int[] next = new int[prompt.length + tokens.length];
        System.arraycopy(prompt, 0, next, 0, prompt.length);
        System.arraycopy(tokens, 0, next, prompt.length, tokens.length);
        int[] more = LogitsSpy.generate(s, next, cfg, l -> logits.add(l.clone())).tokenIds();
        int[] all = new int[tokens.length + more.length];
        System.arraycopy(tokens, 0, all, 0, tokens.length);
        System.arraycopy(more, 0, all, tokens.length, more.length);
        return new Run(all, logits);
    }

    @Test
    void fourThreadsGiveBitIdenticalResultsToSequentialRuns() throws Exception {
        try (Qwen3Next model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            List<Run> sequential = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                sequential.add(run(model, i, null));
            }
            CyclicBarrier start = new CyclicBarrier(4);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<Run>> futures = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    int id = i;
                    futures.add(pool.submit(() -> run(model, id, start)));
                }
                for (int i = 0; i < 4; i++) {
                    Run want = sequential.get(i);
                    Run got = futures.get(i).get();
                    assertArrayEquals(want.tokens(), got.tokens(), "session " + i);
                    assertEquals(want.logits().size(), got.logits().size());
                    assertTrue(want.logits().size() > 10);
                    for (int k = 0; k < want.logits().size(); k++) {
                        assertArrayEquals(want.logits().get(k), got.logits().get(k), "session " + i + " step " + k);
                    }
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
