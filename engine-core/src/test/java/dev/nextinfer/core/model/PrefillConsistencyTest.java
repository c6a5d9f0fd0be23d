package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One prefill (chunked delta rule), token-by-token decoding (recurrent rule) and uneven chunks
 * [37, 1, 26, 64, 5, 67] of the same 200-token prompt give the same logits at every position and leave the same
 * state behind (checked by decoding one more token from each).
 */
class PrefillConsistencyTest {
    private static final int[] CHUNKS = {37, 1, 26, 64, 5, 67};

    @ParameterizedTest
    @ValueSource(strings = {"tiny-f32", "tiny-bf16-8l"})
    void wholeVsTokenByTokenVsUnevenChunks(String name) {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model(name), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build())) {
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            int[] prompt = Fixtures.prompt(name, 200);
            assertEquals(200, java.util.Arrays.stream(CHUNKS).sum());

            SequenceState whole = model.newState(256);
            float[] wholeLogits = model.forward(prompt, 0, 200, whole, true, false).logits();

            SequenceState single = model.newState(256);
            float[] singleLogits = new float[200 * vocab];
            for (int t = 0; t < 200; t++) {
                System.arraycopy(model.forward(prompt, t, t + 1, single, false, false).logits(), 0, singleLogits, t * vocab, vocab);
            }

            SequenceState chunked = model.newState(256);
            float[] chunkLogits = new float[200 * vocab];
            int at = 0;
            for (int c : CHUNKS) {
                float[] l = model.forward(prompt, at, at + c, chunked, true, false).logits();
                System.arraycopy(l, 0, chunkLogits, at * vocab, c * vocab);
                at += c;
            }

            double dSingle = Compare.maxAbsDiff(singleLogits, 0, wholeLogits, 0, 200 * vocab);
            double dChunk = Compare.maxAbsDiff(chunkLogits, 0, wholeLogits, 0, 200 * vocab);
            assertTrue(dSingle <= 1e-3, "token-by-token vs one prefill: max |Δlogit| = " + dSingle);
            assertTrue(dChunk <= 1e-3, "uneven chunks vs one prefill: max |Δlogit| = " + dChunk);

            int next = 7;
            float[] a = model.forward(new int[] {next}, 0, 1, whole, false, false).logits();
            float[] b = model.forward(new int[] {next}, 0, 1, single, false, false).logits();
            float[] c = model.forward(new int[] {next}, 0, 1, chunked, false, false).logits();
            assertTrue(Compare.maxAbsDiff(a, 0, b, 0, vocab) <= 1e-3, "state after token-by-token differs");
            assertTrue(Compare.maxAbsDiff(a, 0, c, 0, vocab) <= 1e-3, "state after uneven chunks differs");
            assertEquals(201, whole.position());
        }
    }
}
