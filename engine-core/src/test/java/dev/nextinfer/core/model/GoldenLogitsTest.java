package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The forward pass against the golden outputs of an independent float64 implementation of the Hugging Face
 * reference, for all three fixtures (f32, bf16 sharded, fp8 with partial blocks) and all golden prompts.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoldenLogitsTest {
    private final java.util.Map<String, Qwen3Next> models = new java.util.HashMap<>();

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
    void logitsHiddenAndLayersMatchGolden(String name, int length) {
        Qwen3NextModel model = models.get(name).model();
        int vocab = model.config().vocabSize();
        int hidden = model.config().hiddenSize();
        int[] prompt = Fixtures.prompt(name, length);
        ForwardResult r = model.forward(prompt, 0, prompt.length, model.newState(4096), true, true);

        Npy.Array logits = Fixtures.golden(name, length, "logits");
        assertArrayEquals(new int[] {length, vocab}, logits.shape());
        for (int t = 0; t < length; t++) {
            Compare.assertLogits(name + " L" + length + " position " + t, r.logits(), t * vocab, logits.data(), t * vocab, vocab);
        }
        Npy.Array finalHidden = Fixtures.golden(name, length, "final_hidden");
        double rel = Compare.maxRelDiff(r.hidden(), 0, finalHidden.data(), 0, length * hidden);
        assertTrue(rel <= Compare.HIDDEN_REL_TOL, "final hidden relative error " + rel);

        Npy.Array layers = Fixtures.golden(name, length, "layer_hidden");
        assertEquals(model.config().numHiddenLayers() + 1, layers.shape()[0]);
        for (int i = 0; i < layers.shape()[0]; i++) {
            double lr = Compare.maxRelDiff(r.layerHidden()[i], 0, layers.data(), i * length * hidden, length * hidden);
            assertTrue(lr <= Compare.HIDDEN_REL_TOL, "layer " + i + " hidden relative error " + lr);
        }
    }

    @ParameterizedTest(name = "{0} L={1}")
    @MethodSource("cases")
    void greedyDecodeMatchesGoldenStepByStep(String name, int length) {
        Qwen3NextModel model = models.get(name).model();
        int vocab = model.config().vocabSize();
        int[] prompt = Fixtures.prompt(name, length);
        int[] expected = Fixtures.greedy(name, length);
        Npy.Array stepLogits = Fixtures.golden(name, length, "greedy_logits");
        SequenceState state = model.newState(4096);
        ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
        int[] got = new int[expected.length];
        for (int s = 0; s < expected.length; s++) {
            Compare.assertLogits(name + " L" + length + " step " + s, r.logits(), 0, stepLogits.data(), s * vocab, vocab);
            got[s] = VectorOps.argmax(r.logits(), 0, vocab);
            r = model.forward(new int[] {got[s]}, 0, 1, state, false, false); // incremental: one token
        }
        assertArrayEquals(expected, got);
    }

    @ParameterizedTest(name = "{0} L={1}")
    @MethodSource("cases")
    void mtpLogitsMatchGolden(String name, int length) {
        Qwen3NextModel model = models.get(name).model();
        int vocab = model.config().vocabSize();
        int[] prompt = Fixtures.prompt(name, length);
        int[] greedy = Fixtures.greedy(name, length);
        SequenceState state = model.newState(4096);
        ForwardResult main = model.forward(prompt, 0, length, state, true, false);
        int[] next = new int[length];
        System.arraycopy(prompt, 1, next, 0, length - 1);
        next[length - 1] = greedy[0];
        ForwardResult mtp = model.mtpForward(main.hidden(), next, length, state, true);
        Npy.Array golden = Fixtures.golden(name, length, "mtp_logits");
        for (int t = 0; t < length; t++) {
            Compare.assertLogits(name + " MTP L" + length + " row " + t, mtp.logits(), t * vocab, golden.data(), t * vocab, vocab);
        }
    }
}
