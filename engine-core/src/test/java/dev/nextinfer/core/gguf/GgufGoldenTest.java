package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import dev.nextinfer.kernels.VectorOps;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GGUF files made by llama.cpp, run on their stored blocks with f32 activations, against the exact float64 outputs
 * for each file's own (dequantised) weights: logits within 2e-3 at every position, and argmax, greedy tokens and
 * MTP rows equal wherever the exact top-1/top-2 gap is wide enough that f32 rounding cannot flip them. The BF16
 * file holds the very weights of the safetensors checkpoint, so it must give that checkpoint's goldens.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GgufGoldenTest {
    /** Two rows within {@link Compare#LOGIT_TOL} of the exact ones can only swap their top two below this gap. */
    private static final double FLIP_GAP = 2 * Compare.LOGIT_TOL;

    private final Map<String, Qwen3Next> models = new HashMap<>();

    private final Map<String, Qwen3Next> defaults = new HashMap<>();

    /** The file with an f32 KV cache: every activation in f32, as the exact answer assumes. */
    private Qwen3Next model(String variant) {
        return models.computeIfAbsent(variant, v -> Qwen3Next.load(GgufFixtures.file(v),
                LoadOptions.builder().threads(2).kvCache(KvCacheFormat.F32).build()));
    }

    @AfterAll
    void close() {
        models.values().forEach(Qwen3Next::close);
        defaults.values().forEach(Qwen3Next::close);
    }

    static Stream<Arguments> cases() {
        return GgufFixtures.QUANTISED.stream().flatMap(v -> GgufFixtures.LENGTHS.stream().map(l -> Arguments.of(v, l)));
    }

    @ParameterizedTest(name = "{0} L={1}")
    @MethodSource("cases")
    void logitsMatchTheExactAnswerForTheFile(String variant, int length) {
        Qwen3NextModel model = model(variant).model();
        int vocab = model.config().vocabSize();
        int[] prompt = GgufFixtures.ints(GgufFixtures.prompt(variant, length).get("ids"));
        ForwardResult r = model.forward(prompt, 0, prompt.length, model.newState(1024), true, false);
        Npy.Array exact = GgufFixtures.exact(variant, length, "logits");
        assertArrayEquals(new int[] {length, vocab}, exact.shape());
        for (int t = 0; t < length; t++) {
            assertRow(variant + " L" + length + " position " + t, r.logits(), t * vocab, exact.data(), t * vocab, vocab);
        }
    }

    @ParameterizedTest(name = "{0} L={1}")
    @MethodSource("cases")
    void greedyTokensMatchTheExactOnes(String variant, int length) {
        Qwen3NextModel model = model(variant).model();
        int[] prompt = GgufFixtures.ints(GgufFixtures.prompt(variant, length).get("ids"));
        int[] expected = GgufFixtures.ints(GgufFixtures.prompt(variant, length).get("exact_greedy"));
        assertGreedy(variant + " L" + length, model, prompt, expected);
    }

    @ParameterizedTest(name = "{0} L={1}")
    @MethodSource("cases")
    void mtpLogitsMatchTheExactOnes(String variant, int length) {
        Qwen3NextModel model = model(variant).model();
        if (variant.equals("Q4_K_M-legacy")) {
            assertTrue(!model.hasMtp(), "files of the legacy layout have no MTP block");
            return;
        }
        int vocab = model.config().vocabSize();
        int[] prompt = GgufFixtures.ints(GgufFixtures.prompt(variant, length).get("ids"));
        int[] next = GgufFixtures.ints(GgufFixtures.prompt(variant, length).get("exact_mtp_next_ids"));
        SequenceState state = model.newState(1024);
        ForwardResult main = model.forward(prompt, 0, length, state, true, false);
        ForwardResult mtp = model.mtpForward(main.hidden(), next, length, state, true);
        Npy.Array exact = GgufFixtures.exact(variant, length, "mtp_logits");
        for (int t = 0; t < length; t++) {
            assertRow(variant + " MTP L" + length + " row " + t, mtp.logits(), t * vocab, exact.data(), t * vocab, vocab);
        }
    }

    @Test
    void bf16FileGivesTheSafetensorsGoldens() {
        String fixture = "../" + Fixtures.root().relativize(GgufFixtures.safetensors());
        Qwen3NextModel model = model("BF16").model();
        int vocab = model.config().vocabSize();
        for (int length : new int[] {7, 64, 200}) {
            int[] prompt = Fixtures.prompt(fixture, length);
            ForwardResult r = model.forward(prompt, 0, length, model.newState(1024), true, false);
            Npy.Array golden = Fixtures.golden(fixture, length, "logits");
            for (int t = 0; t < length; t++) {
                Compare.assertLogits("BF16 GGUF L" + length + " position " + t, r.logits(), t * vocab, golden.data(), t * vocab, vocab);
            }
            assertArrayEquals(Fixtures.greedy(fixture, length), greedy(model, prompt, 16), "BF16 GGUF greedy L" + length);
        }
    }

    /**
     * With the default options a quantised file gets an f16 KV cache (rounded activations): over every position of
     * the three prompts it must stay at least as close to the exact answer as llama.cpp's own outputs are (mean
     * KL(exact ‖ ours) and top-1 agreement against {@code summary.json}'s {@code llama_vs_exact}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void defaultOptionsAreNoFurtherFromExactThanLlamaCpp(String variant) {
        Qwen3NextModel model = defaults.computeIfAbsent(variant, v -> Qwen3Next.load(GgufFixtures.file(v),
                LoadOptions.builder().threads(2).build())).model();
        int vocab = model.config().vocabSize();
        double kl = 0;
        double llamaKl = 0;
        int agree = 0;
        double llamaAgree = 0;
        int positions = 0;
        for (int length : GgufFixtures.LENGTHS) {
            int[] prompt = GgufFixtures.ints(GgufFixtures.prompt(variant, length).get("ids"));
            ForwardResult r = model.forward(prompt, 0, length, model.newState(1024), true, false);
            float[] exact = GgufFixtures.exact(variant, length, "logits").data();
            for (int t = 0; t < length; t++) {
                kl += klDivergence(exact, r.logits(), t * vocab, vocab);
                agree += VectorOps.argmax(exact, t * vocab, vocab) == VectorOps.argmax(r.logits(), t * vocab, vocab) ? 1 : 0;
            }
            var llama = GgufFixtures.prompt(variant, length).get("llama_vs_exact");
            llamaKl += llama.get("mean_kl").asDouble() * length;
            llamaAgree += llama.get("top1_agreement").asDouble() * length;
            positions += length;
        }
        assertTrue(kl / positions <= llamaKl / positions, variant + ": mean KL " + kl / positions + " > llama.cpp's " + llamaKl / positions);
        assertTrue(agree >= Math.round(llamaAgree), variant + ": top-1 " + agree + "/" + positions + " < llama.cpp's " + llamaAgree);
    }

    static Stream<String> variants() {
        return GgufFixtures.QUANTISED.stream();
    }

    /** KL(softmax(p) ‖ softmax(q)) over a row of logits, in nats. */
    static double klDivergence(float[] p, float[] q, int off, int n) {
        double mp = Double.NEGATIVE_INFINITY;
        double mq = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            mp = Math.max(mp, p[off + i]);
            mq = Math.max(mq, q[off + i]);
        }
        double zp = 0;
        double zq = 0;
        for (int i = 0; i < n; i++) {
            zp += Math.exp(p[off + i] - mp);
            zq += Math.exp(q[off + i] - mq);
        }
        double kl = 0;
        for (int i = 0; i < n; i++) {
            double lp = p[off + i] - mp - Math.log(zp);
            double lq = q[off + i] - mq - Math.log(zq);
            kl += Math.exp(lp) * (lp - lq);
        }
        return Math.max(0, kl);
    }

    /** |Δ| ≤ 2e-3 everywhere; the argmax must agree unless the exact top two are closer than {@link #FLIP_GAP}. */
    private static void assertRow(String what, float[] actual, int aOff, float[] exact, int eOff, int vocab) {
        double d = Compare.maxAbsDiff(actual, aOff, exact, eOff, vocab);
        assertTrue(d <= Compare.LOGIT_TOL, what + ": max |Δlogit| = " + d + " > " + Compare.LOGIT_TOL);
        if (gap(exact, eOff, vocab) > FLIP_GAP) {
            assertEquals(VectorOps.argmax(exact, eOff, vocab), VectorOps.argmax(actual, aOff, vocab), what + ": argmax differs");
        }
    }

    /** Greedy decoding token by token; a difference is allowed only where our own top two are within rounding. */
    private static void assertGreedy(String what, Qwen3NextModel model, int[] prompt, int[] expected) {
        int vocab = model.config().vocabSize();
        SequenceState state = model.newState(1024);
        ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
        for (int s = 0; s < expected.length; s++) {
            int got = VectorOps.argmax(r.logits(), 0, vocab);
            if (got != expected[s]) {
                assertTrue(gap(r.logits(), 0, vocab) < FLIP_GAP, what + ": greedy token " + s + " is " + got + ", expected "
                        + expected[s] + " (top-2 gap " + gap(r.logits(), 0, vocab) + ")");
                return; // a rounding-level tie: the continuations legitimately part here
            }
            r = model.forward(new int[] {got}, 0, 1, state, false, false);
        }
    }

    private static int[] greedy(Qwen3NextModel model, int[] prompt, int n) {
        int vocab = model.config().vocabSize();
        SequenceState state = model.newState(1024);
        ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
        int[] out = new int[n];
        for (int s = 0; s < n; s++) {
            out[s] = VectorOps.argmax(r.logits(), 0, vocab);
            r = model.forward(new int[] {out[s]}, 0, 1, state, false, false);
        }
        return out;
    }

    /** Gap between the two largest values of a row. */
    private static double gap(float[] row, int off, int n) {
        double a = Double.NEGATIVE_INFINITY;
        double b = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double v = row[off + i];
            if (v > a) {
                b = a;
                a = v;
            } else if (v > b) {
                b = v;
            }
        }
        return a - b;
    }
}
