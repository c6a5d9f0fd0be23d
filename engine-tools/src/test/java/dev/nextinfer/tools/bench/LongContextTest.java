package dev.nextinfer.tools.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Long positions on the tiny-f32 fixture, which makes them cheap: the state is filled with {@code depth} synthetic
 * positions ({@link SyntheticContext}), then a 24-token prompt runs as one prefill, token by token, and
 * in uneven chunks [7, 1, 16] from copy-on-write copies of that state. Past 8,192 (f32 cache), past 65,536 (f16),
 * and at 300,000 — past the 262,144 original positions — with YaRN factor 4 and a q8_0 cache. The three agree as
 * at short positions, the state each leaves decodes the same next token, and the state they were copied from is
 * untouched (bit for bit). Then the same synthetic context stored as f16, q8_0 and q4_0 against f32.
 */
class LongContextTest {
    private static final int[] CHUNKS = {7, 1, 16};
    private static final int T = 24;

    @ParameterizedTest(name = "depth {0}, {1} cache, yarn {2}")
    @CsvSource({"8200, F32, 0", "70000, F16, 0", "300000, Q8_0, 4"})
    void prefillTokenByTokenAndChunksAgreeAtDepth(int depth, KvCacheFormat format, double yarn) {
        LoadOptions o = LoadOptions.builder().weights(WeightFormat.F32).kvCache(format).threads(2).yarnFactor(yarn).build();
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), o)) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            int[] prompt = java.util.Arrays.copyOf(Fixtures.prompt("tiny-f32", 64), T);
            try (SequenceState base = model.newState(depth + T + 2)) {
                SyntheticContext.fill(base, depth, 17, model.pool());
                SequenceState untouched = base.copy();
                SequenceState whole = base.copy();
                SequenceState single = base.copy();
                SequenceState chunked = base.copy();
                float[] wholeLogits = model.forward(prompt, 0, T, whole, true, false).logits();
                float[] singleLogits = new float[T * vocab];
                for (int t = 0; t < T; t++) {
                    System.arraycopy(model.forward(prompt, t, t + 1, single, false, false).logits(), 0, singleLogits, t * vocab, vocab);
                }
                float[] chunkLogits = new float[T * vocab];
                int at = 0;
                for (int c : CHUNKS) {
                    System.arraycopy(model.forward(prompt, at, at + c, chunked, true, false).logits(), 0, chunkLogits, at * vocab, c * vocab);
                    at += c;
                }
                double dSingle = Compare.maxAbsDiff(singleLogits, 0, wholeLogits, 0, T * vocab);
                double dChunk = Compare.maxAbsDiff(chunkLogits, 0, wholeLogits, 0, T * vocab);
                assertTrue(dSingle <= 1e-3, "token-by-token vs one prefill at depth " + depth + ": max |Δlogit| = " + dSingle);
                assertTrue(dChunk <= 1e-3, "uneven chunks vs one prefill at depth " + depth + ": max |Δlogit| = " + dChunk);

                int[] next = {7};
                float[] a = model.forward(next, 0, 1, whole, false, false).logits();
                float[] b = model.forward(next, 0, 1, single, false, false).logits();
                float[] c = model.forward(next, 0, 1, chunked, false, false).logits();
                assertTrue(Compare.maxAbsDiff(a, 0, b, 0, vocab) <= 1e-3, "state after token-by-token differs");
                assertTrue(Compare.maxAbsDiff(a, 0, c, 0, vocab) <= 1e-3, "state after uneven chunks differs");
                assertEquals(depth + T + 1, whole.position());

                // the copies wrote into (copies of) the shared last page: the original still holds its own positions
                float[] fromBase = model.forward(prompt, 0, 1, base, false, false).logits();
                float[] fromCopy = model.forward(prompt, 0, 1, untouched, false, false).logits();
                assertArrayEquals(fromCopy, fromBase, "the state the copies came from was changed");
                for (SequenceState s : new SequenceState[] {untouched, whole, single, chunked}) {
                    s.close();
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} at depth 70000")
    @CsvSource({"F16, 1e-3", "Q8_0, 5e-3", "Q4_0, 5e-2"})
    void quantisedCachesStayCloseToF32AtDepth(KvCacheFormat format, double bound) {
        int depth = 70_000;
        float[] exact = decode(KvCacheFormat.F32, depth);
        float[] got = decode(format, depth);
        double d = Compare.maxAbsDiff(got, 0, exact, 0, exact.length);
        System.out.printf(Locale.ROOT, "kv at depth %d: %s vs f32 max |Δlogit| %.5f%n", depth, format.cliName(), d);
        assertTrue(d <= bound, format + " at depth " + depth + ": max |Δlogit| = " + d);
    }

    /** The same synthetic context (same values) in {@code format}, then a 24-token prefill and 4 decode steps: all logits. */
    private static float[] decode(KvCacheFormat format, int depth) {
        LoadOptions o = LoadOptions.builder().weights(WeightFormat.F32).kvCache(format).threads(2).build();
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), o)) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            int[] full = Fixtures.prompt("tiny-f32", 64);
            int[] prompt = java.util.Arrays.copyOf(full, T);
            try (SequenceState s = model.newState(depth + T + 4)) {
                SyntheticContext.fill(s, depth, 23, model.pool());
                float[] out = new float[(T + 4) * vocab];
                System.arraycopy(model.forward(prompt, 0, T, s, true, false).logits(), 0, out, 0, T * vocab);
                for (int i = 0; i < 4; i++) {
                    System.arraycopy(model.forward(full, 30 + i, 31 + i, s, false, false).logits(), 0, out, (T + i) * vocab, vocab);
                }
                return out;
            }
        }
    }
}
