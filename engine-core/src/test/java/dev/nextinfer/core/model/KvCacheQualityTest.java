package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The KV cache formats judged as the weight formats are ({@link QuantizedQualityTest}): f32 weights, every position
 * of the golden prompts (7 + 64 + 200), top-1 agreement, mean KL and max |Δlogit| against the f32 golden logits
 * and against the same engine with an f32 cache (which isolates the cache's share). The fixtures with head_dim a
 * multiple of 32: tiny-f32 (head_dim 32, one attention layer of four) and q3n-256 (head_dim 64). Measured values
 * are printed (docs/formats.md, "KV cache formats"); the bounds leave room for other vector widths.
 */
class KvCacheQualityTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
            "tiny-f32, F16, 0.99, 1e-6, 0.01",
            "tiny-f32, Q8_0, 0.97, 2e-4, 1.0",
            "tiny-f32, Q4_0, 0.85, 1e-2, 2.0",
            "q3n-256/safetensors, F16, 0.99, 1e-6, 0.01",
            "q3n-256/safetensors, Q8_0, 0.97, 2e-4, 1.0",
            "q3n-256/safetensors, Q4_0, 0.85, 1e-2, 2.0"})
    void agreesWithTheF32Cache(String name, KvCacheFormat format, double minTop1, double maxMeanKl, double maxAbs) {
        float[][] exact = logits(name, KvCacheFormat.F32);
        float[][] got = logits(name, format);
        int vocab = exact[0].length / 7;
        int positions = 0;
        int agreeF32 = 0;
        int agreeGolden = 0;
        double kl = 0;
        double klGolden = 0;
        double maxF32 = 0;
        double maxGolden = 0;
        int i = 0;
        for (int length : new int[] {7, 64, 200}) {
            Npy.Array golden = Fixtures.golden(name, length, "logits");
            for (int t = 0; t < length; t++) {
                int o = t * vocab;
                positions++;
                int top = VectorOps.argmax(got[i], o, vocab);
                agreeF32 += top == VectorOps.argmax(exact[i], o, vocab) ? 1 : 0;
                agreeGolden += top == VectorOps.argmax(golden.data(), o, vocab) ? 1 : 0;
                kl += QuantizedQualityTest.kl(exact[i], got[i], o, vocab);
                klGolden += QuantizedQualityTest.kl(golden.data(), got[i], o, vocab);
                maxF32 = Math.max(maxF32, Compare.maxAbsDiff(got[i], o, exact[i], o, vocab));
                maxGolden = Math.max(maxGolden, Compare.maxAbsDiff(got[i], o, golden.data(), o, vocab));
            }
            i++;
        }
        double top1 = (double) agreeF32 / positions;
        System.out.printf(Locale.ROOT,
                "kv quality %-22s %-4s vs f32 cache: top-1 %.1f%%, mean KL %.2e, max |Δlogit| %.4f; vs golden: top-1 %.1f%%, mean KL %.2e, max |Δlogit| %.4f%n",
                name, format.cliName(), 100 * top1, kl / positions, maxF32, 100.0 * agreeGolden / positions, klGolden / positions, maxGolden);
        assertTrue(top1 >= minTop1, format + ": top-1 agreement " + top1);
        assertTrue(kl / positions <= maxMeanKl, format + ": mean KL " + kl / positions);
        assertTrue(maxF32 <= maxAbs, format + ": max |Δlogit| " + maxF32);
    }

    /** Logits of every position of the 7-, 64- and 200-token golden prompts. */
    private static float[][] logits(String name, KvCacheFormat format) {
        LoadOptions o = LoadOptions.builder().weights(WeightFormat.F32).kvCache(format).threads(2).build();
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model(name), o)) {
            Qwen3NextModel model = q.model();
            float[][] out = new float[3][];
            int i = 0;
            for (int length : new int[] {7, 64, 200}) {
                try (SequenceState s = model.newState(length)) {
                    out[i++] = model.forward(Fixtures.prompt(name, length), 0, length, s, true, false).logits();
                }
            }
            return out;
        }
    }
}
