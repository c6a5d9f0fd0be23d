package dev.nextinfer.core.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.MtpDecoder;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.testing.Fixtures;
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
 * Greedy speculative decoding with k = 1 … 4 gives exactly the tokens of plain greedy decoding, 64 of them, on
 * every fixture and golden prompt (1 and 7 tokens: shorter than one delta-rule chunk; 64: one chunk; 200: longer).
 * Random weights make the MTP head's drafts wrong almost always, so this covers the reject path; the accept path
 * is covered by {@link CycleSpeculationTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpeculativeGreedyTest {
    private static final int N = 64;
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
    void sameTokensAsPlainGreedyForEveryK(String name, int length) {
        Qwen3NextModel model = models.get(name).model();
        int[] prompt = Fixtures.prompt(name, length);
        int[] plain = Decoding.plainGreedy(model, prompt, N);
        assertArrayEquals(Fixtures.greedy(name, length), java.util.Arrays.copyOf(plain, 16), "plain greedy vs golden");
        for (int k = 1; k <= SpeculativeDecoder.MAX_DRAFT_TOKENS; k++) {
            MtpDecoder d = new MtpDecoder(k);
            int[] spec = Decoding.speculative(model, prompt, N, d);
            assertArrayEquals(plain, spec, name + " L=" + length + " k=" + k);
            SpeculativeStats s = d.stats();
            assertEquals(N - 1, s.emitted(), "tokens after the prefill's");
            assertEquals(s.emitted(), s.accepted() + s.passes());
            assertTrue(s.drafted() >= s.verifications() && s.drafted() <= (long) k * s.verifications());
        }
    }
}
