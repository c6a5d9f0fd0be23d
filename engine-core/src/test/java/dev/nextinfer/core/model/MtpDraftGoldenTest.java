package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import dev.nextinfer.core.weights.WeightFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The first draft step of speculative decoding after a prefill — {@link Qwen3NextModel#mtpDraft} with the first
 * greedy token — gives the golden {@code mtp_logits}: every prompt row it runs (all of them up to
 * {@value SequenceState#MTP_BACKLOG_ROWS} rows; a longer prompt was fed to the head during the prefill, leaving
 * the last row), the last of which predicts the first draft token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MtpDraftGoldenTest {
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
        return Fixtures.MODELS.stream().flatMap(m -> Fixtures.PROMPT_LENGTHS.stream().map(l -> Arguments.of(m, l)));
    }

    @ParameterizedTest(name = "{0} L={1}")
    @MethodSource("cases")
    void firstDraftStepMatchesGoldenMtpLogits(String name, int length) {
        Qwen3NextModel model = models.get(name).model();
        int vocab = model.config().vocabSize();
        int[] prompt = Fixtures.prompt(name, length);
        SequenceState state = model.newState(length + 8, true);
        model.forward(prompt, 0, length, state, false, false);
        ForwardResult draft = model.mtpDraft(state, Fixtures.greedy(name, length)[0], true);

        int rows = draft.logitRows();
        assertEquals(length <= SequenceState.MTP_BACKLOG_ROWS ? length : 1, rows, "rows run by the first draft step");
        assertEquals(length, state.mtpPosition(), "the MTP cache now covers the prompt");
        Npy.Array golden = Fixtures.golden(name, length, "mtp_logits");
        for (int r = 0; r < rows; r++) {
            int t = length - rows + r;
            Compare.assertLogits(name + " L" + length + " MTP row " + t, draft.logits(), r * vocab, golden.data(), t * vocab, vocab);
        }
    }
}
