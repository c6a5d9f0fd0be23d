package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The forward pass's reused activation arrays: what one call leaves in them never reaches another call's results,
 * and calls running at the same time never share them.
 */
class WorkspaceTest {

    @Test
    void reusingHandsOutOneGrowingArrayPerBufferFreshAllocatesEveryTime() {
        Workspace ws = Workspace.reusing();
        float[] a = ws.floats(Workspace.Buffer.QKVZ, 100);
        a[7] = 3f;
        assertSame(a, ws.floats(Workspace.Buffer.QKVZ, 60), "a smaller request gets the same array");
        assertEquals(3f, ws.floats(Workspace.Buffer.QKVZ, 100)[7], "contents are left as they were");
        float[] b = ws.floats(Workspace.Buffer.QKVZ, 101);
        assertNotSame(a, b, "a larger request gets a larger array");
        assertTrue(b.length >= 101);
        assertNotSame(b, ws.floats(Workspace.Buffer.Z, 101), "two buffers never share an array");
        assertEquals(b.length + 101, ws.heldFloats());

        Workspace fresh = Workspace.fresh();
        float[] c = fresh.floats(Workspace.Buffer.QKVZ, 10);
        c[0] = 1f;
        float[] d = fresh.floats(Workspace.Buffer.QKVZ, 10);
        assertNotSame(c, d);
        assertEquals(0f, d[0]);
        assertEquals(0, fresh.heldFloats());
    }

    @Test
    void leftoversOfALongerCallDoNotReachTheNextOnes() {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build())) {
            Qwen3NextModel model = q.model();
            int[] prompt = java.util.Arrays.copyOf(Fixtures.prompt("tiny-f32", 200), 40);
            float[] clean = run(model, prompt); // the model's first calls: new, zeroed arrays
            assertEquals(1, model.idleWorkspaces(), "calls one after the other share one workspace");

            int[] other = java.util.Arrays.copyOf(Fixtures.prompt("tiny-f32", 200), 150);
            for (int i = 0; i < other.length; i++) {
                other[i] = (other[i] * 31 + 5) % model.config().vocabSize();
            }
            model.forward(other, 0, other.length, model.newState(256), true, false); // larger arrays, other values
            assertArrayEquals(clean, run(model, prompt), "a prefill and decode steps after a longer, different call");
        }
    }

    @Test
    void callsAtTheSameTimeUseTheirOwnWorkspaces() throws Exception {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build())) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            int[][] prompts = new int[4][];
            float[][] alone = new float[prompts.length][];
            for (int p = 0; p < prompts.length; p++) {
                prompts[p] = java.util.Arrays.copyOf(Fixtures.prompt("tiny-f32", 64), 20 + 13 * p);
                for (int i = 0; i < prompts[p].length; i++) {
                    prompts[p][i] = (prompts[p][i] + 97 * p) % vocab;
                }
                alone[p] = run(model, prompts[p]);
            }
            ExecutorService callers = Executors.newFixedThreadPool(prompts.length);
            try {
                for (int round = 0; round < 3; round++) {
                    List<Future<float[]>> together = new ArrayList<>();
                    for (int[] prompt : prompts) {
                        together.add(callers.submit(() -> run(model, prompt)));
                    }
                    for (int p = 0; p < prompts.length; p++) {
                        assertArrayEquals(alone[p], together.get(p).get(), "sequence " + p + " among others, round " + round);
                    }
                    assertTrue(model.idleWorkspaces() <= 2, "a burst of calls leaves at most two workspaces behind");
                }
            } finally {
                callers.shutdownNow();
            }
        }
    }

    @Test
    void aCallLongerThanAPrefillChunkDoesNotLeaveItsWorkspaceBehind() {
        assertEquals(dev.nextinfer.core.decode.TokenLoop.PREFILL_CHUNK, Qwen3NextModel.MAX_KEPT_TOKENS,
                "workspaces are kept up to the sessions' prefill chunk");
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build())) {
            Qwen3NextModel model = q.model();
            int n = Qwen3NextModel.MAX_KEPT_TOKENS + 1;
            int[] prompt = new java.util.Random(3).ints(n, 0, model.config().vocabSize()).toArray();
            try (SequenceState s = model.newState(n + 8)) {
                model.forward(prompt, 0, n, s, false, false);
            }
            assertEquals(0, model.idleWorkspaces(), "a workspace grown by a longer call is not kept");
            try (SequenceState s = model.newState(n + 8)) {
                model.forward(prompt, 0, n - 1, s, false, false);
            }
            assertEquals(1, model.idleWorkspaces(), "a chunk's workspace is kept");
        }
    }

    /** Prefill in two chunks, then four decode steps on the argmax: every call's logits, concatenated. */
    private static float[] run(Qwen3NextModel model, int[] prompt) {
        int vocab = model.config().vocabSize();
        SequenceState s = model.newState(256);
        int half = prompt.length / 2;
        float[] all = new float[(prompt.length + 4) * vocab];
        System.arraycopy(model.forward(prompt, 0, half, s, true, false).logits(), 0, all, 0, half * vocab);
        float[] last = model.forward(prompt, half, prompt.length, s, true, false).logits();
        System.arraycopy(last, 0, all, half * vocab, (prompt.length - half) * vocab);
        int at = prompt.length * vocab;
        float[] logits = java.util.Arrays.copyOfRange(last, last.length - vocab, last.length);
        for (int step = 0; step < 4; step++) {
            int next = argmax(logits);
            logits = model.forward(new int[] {next}, 0, 1, s, false, false).logits();
            System.arraycopy(logits, 0, all, at, vocab);
            at += vocab;
        }
        return all;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
