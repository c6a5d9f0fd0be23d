package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SequenceState}'s own operations: it records the tokens it consumed whichever way it consumed them
 * (prefill, step, batched step, committed speculative forward); a state rewound to a snapshot continues exactly —
 * to the bit — as a fresh state that consumed the same tokens; copies and refused calls leave it alone.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SequenceStateTest {
    private static final String MODEL = "tiny-bf16-8l";
    private Qwen3Next q;
    private Qwen3NextModel model;

    @BeforeAll
    void load() {
        q = Qwen3Next.load(Fixtures.model(MODEL), LoadOptions.builder().weights(WeightFormat.F32).threads(2).build());
        model = q.model();
    }

    @AfterAll
    void close() {
        q.close();
    }

    @Test
    void recordsTheTokensItConsumed() {
        int[] prompt = Fixtures.prompt(MODEL, 7);
        try (SequenceState s = model.newState(32, true)) {
            assertArrayEquals(new int[0], s.tokens());
            model.forward(prompt, 2, 7, s, false, false);
            model.forward(new int[] {9, 10, 11}, 1, 2, s, false, false);
            model.forwardBatch(new int[] {12}, new SequenceState[] {s});
            model.mtpDraft(s, 13, false);
            model.forwardSpeculative(new int[] {13, 14, 15}, 0, 3, s).commit(2);
            int[] want = IntStream.concat(Arrays.stream(prompt, 2, 7), IntStream.of(10, 12, 13, 14)).toArray();
            assertArrayEquals(want, s.tokens());
            assertEquals(s.position(), s.tokens().length);

            try (SequenceState c = s.copy()) {
                model.forward(new int[] {16}, 0, 1, c, false, false);
                assertArrayEquals(want, s.tokens(), "a copy evolves on its own");
                assertArrayEquals(IntStream.concat(Arrays.stream(want), IntStream.of(16)).toArray(), c.tokens());
            }
            PendingForward p = model.forwardSpeculative(new int[] {17, 18}, 0, 2, s);
            assertArrayEquals(want, s.tokens(), "an uncommitted forward consumes nothing");
            p.commit(0);
            assertArrayEquals(want, s.tokens());
        }
    }

    /** What a run leaves to compare: the continuation's logits and draft, then the state's last hidden row and tokens. */
    private record Run(float[] logits, float[] draft, float[] lastHidden, int[] tokens, int mtpPosition) {
    }

    /**
     * Bit for bit: a run restored from a snapshot continues exactly as a fresh run of the same tokens (every kernel,
     * the softmax's exponential included, rounds the same whether interpreted or compiled, so no warm-up is needed).
     */
    @ParameterizedTest(name = "records MTP inputs: {0}")
    @ValueSource(booleans = {false, true})
    void restoreThenContinueEqualsAFreshRun(boolean mtp) {
        int[] prompt = Fixtures.prompt(MODEL, 64);
        Run fresh = freshRun(prompt, mtp);
        Run rewound;
        try (SequenceState s = model.newState(128, mtp)) {
            model.forward(prompt, 0, 20, s, false, false);
            PrefixSnapshot snap = s.snapshot();
            model.forward(prompt, 30, 64, s, false, false); // other tokens, past the MTP backlog's bound
            if (mtp) {
                model.mtpDraft(s, 5, false); // the MTP cache runs ahead of the snapshot too
            }
            s.restore(snap);
            assertEquals(20, s.position());
            assertArrayEquals(Arrays.copyOf(prompt, 20), s.tokens());
            rewound = continueRun(s, prompt, mtp);
        }
        assertArrayEquals(fresh.logits, rewound.logits);
        assertArrayEquals(fresh.draft, rewound.draft);
        assertArrayEquals(fresh.lastHidden, rewound.lastHidden);
        assertArrayEquals(fresh.tokens, rewound.tokens);
        assertEquals(fresh.mtpPosition, rewound.mtpPosition);
    }

    private Run freshRun(int[] prompt, boolean mtp) {
        try (SequenceState f = model.newState(128, mtp)) {
            model.forward(prompt, 0, 20, f, false, false);
            return continueRun(f, prompt, mtp);
        }
    }

    /** A chunk of the prompt, then a step, then (recording MTP inputs) a draft. */
    private Run continueRun(SequenceState s, int[] prompt, boolean mtp) {
        float[] a = model.forward(prompt, 20, 27, s, true, false).logits();
        float[] b = model.forward(prompt, 27, 28, s, false, false).logits();
        float[] logits = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, logits, a.length, b.length);
        float[] draft = mtp ? model.mtpDraft(s, 3, true).logits() : new float[0];
        return new Run(logits, draft, s.lastHidden(), s.tokens(), s.mtpPosition());
    }

    @Test
    void refusedRestoresChangeNothing() {
        int[] prompt = Fixtures.prompt(MODEL, 7);
        try (SequenceState s = model.newState(32, true); SequenceState plain = model.newState(32)) {
            model.forward(prompt, 0, 7, s, false, false);
            PrefixSnapshot at7 = s.snapshot();
            model.forward(prompt, 0, 3, plain, false, false);
            assertThrows(IllegalStateException.class, () -> plain.restore(at7), "a state behind the snapshot");

            PendingForward p = model.forwardSpeculative(new int[] {1, 2}, 0, 2, s);
            assertThrows(NextInferException.class, () -> s.restore(at7), "an uncommitted forward first");
            assertThrows(NextInferException.class, s::snapshot);
            assertEquals(7, s.position());
            p.commit(2);
            s.restore(at7);
            assertEquals(7, s.position());

            model.forward(prompt, 3, 7, plain, false, false);
            PrefixSnapshot withoutMtp = plain.snapshot();
            assertThrows(IllegalStateException.class, () -> s.restore(withoutMtp), "MTP inputs that were not kept");
            assertArrayEquals(prompt, s.tokens());
        }
    }
}
