package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * State rollback: a speculative forward over T tokens committed at {@code a} leaves exactly the state that a plain
 * token-by-token forward of the first {@code a} tokens leaves — DeltaNet recurrent matrices and conv windows, KV
 * caches, position, last hidden state and MTP inputs — for every {@code a} in {@code 0 … T}, and its logits are
 * those of the plain forward.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpeculativeForwardTest {
    private static final int T = 5;
    private static final double STATE_TOL = 1e-5;
    private final Map<String, Qwen3Next> models = new HashMap<>();

    @BeforeAll
    void load() {
        for (String m : Fixtures.MODELS) {
            models.put(m, Qwen3Next.load(Fixtures.model(m), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build()));
        }
    }

    @AfterAll
    void close() {
        models.values().forEach(Qwen3Next::close);
    }

    static Stream<Arguments> cases() {
        return Fixtures.MODELS.stream().flatMap(m -> Stream.of(7, 64).flatMap(l -> IntStream.rangeClosed(0, T).mapToObj(a -> Arguments.of(m, l, a))));
    }

    private SequenceState prefilled(Qwen3NextModel model, int[] prompt) {
        SequenceState s = model.newState(prompt.length + T + 2, true);
        model.forward(prompt, 0, prompt.length, s, false, false);
        return s;
    }

    private static int[] verified(int vocab) {
        return new int[] {3, vocab - 1, 0, 17, 3};
    }

    @ParameterizedTest(name = "{0} L={1} accepted={2}")
    @MethodSource("cases")
    void commitOfAPrefixEqualsPlainForwardOfIt(String name, int length, int accepted) {
        Qwen3NextModel model = models.get(name).model();
        int vocab = model.config().vocabSize();
        int[] prompt = Fixtures.prompt(name, length);
        int[] tokens = verified(vocab);

        SequenceState spec = prefilled(model, prompt);
        model.mtpDraft(spec, tokens[0], false); // as in a round: the MTP cache runs ahead before verification
        PendingForward p = model.forwardSpeculative(tokens, 0, T, spec);
        SequenceState plain = prefilled(model, prompt);
        float[] plainLogits = new float[T * vocab];
        SequenceState reference = prefilled(model, prompt);
        for (int t = 0; t < T; t++) { // logits of every row, and the plain state after `accepted` tokens
            float[] l = model.forward(tokens, t, t + 1, reference, false, false).logits();
            System.arraycopy(l, 0, plainLogits, t * vocab, vocab);
            if (t < accepted) {
                model.forward(tokens, t, t + 1, plain, false, false);
            }
        }
        for (int t = 0; t < T; t++) {
            Compare.assertLogits("row " + t, p.logits(), t * vocab, plainLogits, t * vocab, vocab);
        }
        p.commit(accepted);

        assertEquals(plain.position(), spec.position(), "position");
        assertClose("last hidden", spec.lastHidden(), plain.lastHidden());
        for (int i = 0; i < spec.layerCount(); i++) {
            switch (spec.layer(i)) {
                case DeltaNetState d -> {
                    DeltaNetState e = (DeltaNetState) plain.layer(i);
                    assertClose("layer " + i + " S", d.recurrent, e.recurrent);
                    assertClose("layer " + i + " conv window", d.convWindow, e.convWindow);
                }
                case KvCache c -> assertKv("layer " + i, c, (KvCache) plain.layer(i));
            }
        }
        // the next step sees the same sequence: main logits, and the MTP head's first draft
        int next = 42 % vocab;
        float[] a = model.forward(new int[] {next}, 0, 1, spec, false, false).logits();
        float[] b = model.forward(new int[] {next}, 0, 1, plain, false, false).logits();
        Compare.assertLogits("next step", a, 0, b, 0, vocab);
        float[] da = model.mtpDraft(spec, 7, false).logits();
        float[] db = model.mtpDraft(plain, 7, false).logits();
        Compare.assertLogits("next draft", da, 0, db, 0, vocab);
        assertEquals(plain.mtpPosition(), spec.mtpPosition(), "MTP cache length");
        assertKv("MTP cache", spec.mtpCache(), plain.mtpCache());
    }

    /**
     * After rounds of drafting, verification and partial commits, the MTP cache holds exactly the accepted
     * positions, built from the main model's hidden states: the next draft equals the MTP head run afresh over
     * the whole accepted sequence.
     */
    @Test
    void mtpCacheHoldsExactlyTheAcceptedPositions() {
        Qwen3NextModel model = models.get("tiny-bf16-8l").model();
        int vocab = model.config().vocabSize();
        int[] prompt = Fixtures.prompt("tiny-bf16-8l", 7);
        SequenceState s = model.newState(64, true);
        model.forward(prompt, 0, prompt.length, s, false, false);
        int[] seq = Arrays.copyOf(prompt, 64);
        int len = prompt.length;
        int[][] rounds = {{11, 12, 13}, {20, 21}, {30, 31, 32, 33, 34}, {40}, {50, 51}};
        int[] keep = {2, 0, 5, 1, 1};
        for (int r = 0; r < rounds.length; r++) {
            int[] t = rounds[r];
            ForwardResult d = model.mtpDraft(s, t[0], false);
            for (int i = 1; i < t.length; i++) { // chained drafts run the MTP cache past the main model
                float[] h = Arrays.copyOfRange(d.hidden(), d.hidden().length - model.config().hiddenSize(), d.hidden().length);
                d = model.mtpForward(h, new int[] {t[i]}, 1, s, false);
            }
            model.forwardSpeculative(t, 0, t.length, s).commit(keep[r]);
            System.arraycopy(t, 0, seq, len, keep[r]);
            len += keep[r];
            assertEquals(len, s.position());
        }
        int next = 99;
        float[] got = model.mtpDraft(s, next, false).logits();

        SequenceState fresh = model.newState(64);
        ForwardResult main = model.forward(seq, 0, len, fresh, false, false);
        int[] nextTokens = Arrays.copyOfRange(seq, 1, len + 1);
        nextTokens[len - 1] = next;
        float[] want = model.mtpForward(main.hidden(), nextTokens, len, fresh, false).logits();
        Compare.assertLogits("draft after rounds", got, 0, want, 0, vocab);
        assertEquals(len, s.mtpPosition());
    }

    @Test
    void pendingForwardBlocksTheSequenceUntilCommitted() {
        Qwen3NextModel model = models.get("tiny-f32").model();
        SequenceState s = prefilled(model, new int[] {1, 2, 3});
        PendingForward p = model.forwardSpeculative(new int[] {4, 5}, 0, 2, s);
        NextInferException e = assertThrows(NextInferException.class, () -> model.forward(new int[] {6}, 0, 1, s, false, false));
        assertTrue(e.getMessage().contains("uncommitted"), e.getMessage());
        assertThrows(NextInferException.class, () -> p.commit(3));
        p.commit(2);
        assertThrows(NextInferException.class, () -> p.commit(1));
        assertEquals(5, s.position());
        assertThrows(NextInferException.class, () -> model.forwardSpeculative(new int[65], 0, 65, s));
        assertThrows(NextInferException.class, () -> model.mtpDraft(model.newState(8), 1, false));
        NextInferException full = assertThrows(NextInferException.class, () -> model.forwardSpeculative(new int[] {1, 2, 3, 4, 5, 6}, 0, 6, s));
        assertTrue(full.getMessage().contains("at most 10 positions"), full.getMessage());
        assertEquals(5, s.position(), "a refused call changes nothing");
        model.forward(new int[] {6}, 0, 1, s, false, false);
    }

    private static void assertClose(String what, float[] actual, float[] expected) {
        double d = Compare.maxAbsDiff(actual, 0, expected, 0, expected.length);
        double scale = 0;
        for (float x : expected) {
            scale = Math.max(scale, Math.abs(x));
        }
        assertTrue(d <= STATE_TOL * Math.max(1, scale), what + ": max |Δ| = " + d + " (scale " + scale + ")");
    }

    private static void assertKv(String what, KvCache a, KvCache b) {
        assertEquals(b.length(), a.length(), what + " length");
        int n = b.length() * b.headDim();
        for (int h = 0; h < b.kvHeads(); h++) {
            float[] ka = new float[n];
            float[] kb = new float[n];
            a.keys(h, 0, a.length(), ka);
            b.keys(h, 0, b.length(), kb);
            assertClose(what + " keys of head " + h, ka, kb);
            a.values(h, 0, a.length(), ka);
            b.values(h, 0, b.length(), kb);
            assertClose(what + " values of head " + h, ka, kb);
        }
    }
}
