package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The f16 KV cache: documented bound |Δlogit| ≤ 1e-2 against the goldens (measured ≤ 3.3e-3 on the fixtures),
 * and identical greedy tokens (the fixtures' top-1/top-2 margins are ≥ 0.019).
 */
class KvCacheFormatTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-f32", "tiny-bf16-8l", "tiny-fp8-b32"})
    void f16CacheStaysCloseAndKeepsGreedyTokens(String name) {
        LoadOptions opts = LoadOptions.builder().weights(WeightFormat.F32).kvCache(KvCacheFormat.F16).threads(2).build();
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model(name), opts)) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            for (int length : new int[] {64, 200}) {
                int[] prompt = Fixtures.prompt(name, length);
                SequenceState state = model.newState(length + 16);
                ForwardResult r = model.forward(prompt, 0, length, state, true, false);
                Npy.Array golden = Fixtures.golden(name, length, "logits");
                double d = Compare.maxAbsDiff(r.logits(), 0, golden.data(), 0, length * vocab);
                assertTrue(d <= 1e-2, name + " L" + length + ": max |Δlogit| = " + d);
                int[] got = new int[16];
                float[] last = r.logitsRow(length - 1, vocab);
                for (int s = 0; s < 16; s++) {
                    got[s] = VectorOps.argmax(last, 0, vocab);
                    last = model.forward(got, s, s + 1, state, false, false).logits();
                }
                assertArrayEquals(Fixtures.greedy(name, length), got, name + " L" + length);
            }
        }
    }
}
