package dev.nextinfer.core.speculative;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.sampling.SamplingTransform;
import dev.nextinfer.core.testing.ChiSquare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Speculative sampling draws from the model's own distribution: over many seeds, the tokens it returns fit the
 * exact softmax of the main model's logits (chi-square, p-value above 1e-3 with fixed seeds), while tokens drawn
 * from the draft distribution q fail the same test — so the test can tell a wrong rule.
 */
class SpeculativeSamplingDistributionTest {
    private static final double ALPHA = 1e-3;

    /** Random weights: q has nothing to do with p, so most first tokens come from the residual. */
    @Test
    void firstTokenFollowsTheMainModelOnAFixture() {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(1).build())) {
            Qwen3NextModel model = q.model();
            int[] prompt = Fixtures.prompt("tiny-f32", 7);
            int x = Fixtures.greedy("tiny-f32", 7)[0];
            SamplingTransform params = SamplingTransform.temperature(1.0);
            checkFirstToken(model, prompt, x, params, 3, 6000);
        }
    }

    /**
     * A cycle checkpoint, where q resembles p: at temperature 1 about half the first tokens are accepted drafts;
     * at 0.5 nine in ten are, and the second token then comes from the same round's next row.
     */
    @Test
    void firstTwoTokensFollowTheMainModelOnACycleCheckpoint(@TempDir Path dir) throws IOException {
        try (Qwen3Next q = CycleSpeculationTest.cycle(dir, 0.7)) {
            Qwen3NextModel model = q.model();
            int[] prompt = CycleSpeculationTest.prompt(7);
            int x = 123;
            checkFirstToken(model, prompt, x, SamplingTransform.temperature(1.0), 4, 4000);
            checkFirstTwoTokens(model, prompt, x, SamplingTransform.temperature(0.5), 3, 6000);
        }
    }

    private static void checkFirstToken(Qwen3NextModel model, int[] prompt, int x, SamplingTransform params, int k, int n) {
        int vocab = model.config().vocabSize();
        SequenceState prefilled = prefill(model, prompt, k);
        double[] p = toDouble(next(model, prefilled, new int[] {x}, params));
        long[] counts = new long[vocab];
        int multi = 0;
        for (int seed = 0; seed < n; seed++) {
            SpeculativeDecoder d = new SpeculativeDecoder(model, k, params, new SplittableRandom(seed));
            int[] out = d.nextTokens(prefilled.copy(), x, k + 1);
            counts[out[0]]++;
            multi += out.length > 1 ? 1 : 0;
        }
        ChiSquare.Result fit = ChiSquare.test(counts, p);
        assertTrue(fit.df() >= 5, "enough bins for a meaningful test: " + fit);
        assertTrue(fit.pValue() > ALPHA, "speculative first token vs softmax: " + fit + ", rounds with accepted drafts " + multi);

        // the same test rejects tokens drawn from the draft distribution alone
        SequenceState s = prefilled.copy();
        float[] draftLogits = model.mtpDraft(s, x, false).logits();
        float[] qDist = params.probabilities(draftLogits, 0, vocab);
        long[] fromQ = new long[vocab];
        SplittableRandom r = new SplittableRandom(99);
        for (int i = 0; i < n; i++) {
            fromQ[SpeculativeSampling.sample(qDist, r)]++;
        }
        ChiSquare.Result wrong = ChiSquare.test(fromQ, p);
        assertTrue(wrong.pValue() < ALPHA, "draws from q must be rejected: " + wrong);
    }

    /** The joint of the first two tokens, (t1, t2) ~ p(t1)·p(t2 | t1), whether t2 came in the same round or the next. */
    private static void checkFirstTwoTokens(Qwen3NextModel model, int[] prompt, int x, SamplingTransform params, int k, int n) {
        int vocab = model.config().vocabSize();
        SequenceState prefilled = prefill(model, prompt, k);
        float[] p1 = next(model, prefilled, new int[] {x}, params);
        double[] joint = new double[vocab * vocab];
        for (int t1 = 0; t1 < vocab; t1++) {
            if (p1[t1] * n < ChiSquare.MIN_EXPECTED) { // every (t1, ·) cell is pooled: only their total mass matters
                joint[t1 * vocab] = p1[t1];
                continue;
            }
            float[] p2 = next(model, prefilled, new int[] {x, t1}, params);
            for (int t2 = 0; t2 < vocab; t2++) {
                joint[t1 * vocab + t2] = (double) p1[t1] * p2[t2];
            }
        }
        long[] counts = new long[vocab * vocab];
        for (int seed = 0; seed < n; seed++) {
            SpeculativeDecoder d = new SpeculativeDecoder(model, k, params, new SplittableRandom(1_000_000 + seed));
            SequenceState s = prefilled.copy();
            int[] out = d.nextTokens(s, x, k + 1);
            int t2 = out.length > 1 ? out[1] : d.nextTokens(s, out[0], k + 1)[0];
            counts[out[0] * vocab + t2]++;
        }
        ChiSquare.Result fit = ChiSquare.test(counts, joint);
        assertTrue(fit.df() >= 5, "enough bins for a meaningful test: " + fit);
        assertTrue(fit.pValue() > ALPHA, "speculative first two tokens vs exact joint: " + fit);
    }

    private static SequenceState prefill(Qwen3NextModel model, int[] prompt, int k) {
        SequenceState s = model.newState(prompt.length + 2 * (k + 2), true);
        model.forward(prompt, 0, prompt.length, s, false, false);
        return s;
    }

    /** The sampling distribution after consuming {@code tokens} on a copy of {@code state}. */
    private static float[] next(Qwen3NextModel model, SequenceState state, int[] tokens, SamplingTransform params) {
        float[] logits = model.forward(tokens, 0, tokens.length, state.copy(), false, false).logits();
        return params.probabilities(logits, 0, model.config().vocabSize());
    }

    private static double[] toDouble(float[] p) {
        double[] d = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = p[i];
        }
        return d;
    }
}
