package dev.nextinfer.core.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.ChiSquare;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The acceptance rule's pure functions on hand-made distributions. */
class SpeculativeSamplingTest {
    private static final float[] P = {0.5f, 0.3f, 0.2f, 0f};
    private static final float[] Q = {0.2f, 0.3f, 0.4f, 0.1f};

    @Test
    void acceptanceIsMinOfOneAndPOverQ() {
        assertEquals(1.0, SpeculativeSampling.acceptanceProbability(P, Q, 0), 1e-7); // p > q: always kept
        assertEquals(1.0, SpeculativeSampling.acceptanceProbability(P, Q, 1), 1e-7); // p = q
        assertEquals(0.5, SpeculativeSampling.acceptanceProbability(P, Q, 2), 1e-7); // 0.2 / 0.4
        assertEquals(0.0, SpeculativeSampling.acceptanceProbability(P, Q, 3), 1e-7); // the model never says it
    }

    @Test
    void residualIsNormalisedPositivePartOfPMinusQ() {
        assertArrayEquals(new float[] {1, 0, 0, 0}, SpeculativeSampling.residual(P, Q), 1e-7f);
        float[] p = {0.1f, 0.6f, 0.3f};
        float[] q = {0.4f, 0.4f, 0.2f};
        assertArrayEquals(new float[] {0, 2 / 3f, 1 / 3f}, SpeculativeSampling.residual(p, q), 1e-6f);
        assertArrayEquals(p, SpeculativeSampling.residual(p, p), 0f, "p = q: rejection impossible, fall back to p");
    }

    /** q(x)·accept(x) + P(reject)·residual(x) = p(x): the output is distributed as p, for random p and q. */
    @Test
    void acceptOrResampleReproducesPExactly() {
        SplittableRandom r = new SplittableRandom(3);
        for (int trial = 0; trial < 100; trial++) {
            int n = 2 + r.nextInt(30);
            float[] p = random(r, n, trial % 3 == 0);
            float[] q = random(r, n, trial % 5 == 0);
            float[] residual = SpeculativeSampling.residual(p, q);
            double reject = 0;
            for (int x = 0; x < n; x++) {
                reject += q[x] * (1 - SpeculativeSampling.acceptanceProbability(p, q, x));
            }
            for (int x = 0; x < n; x++) {
                double out = q[x] * SpeculativeSampling.acceptanceProbability(p, q, x) + reject * residual[x];
                assertEquals(p[x], out, 1e-6, "trial " + trial + " token " + x);
            }
        }
    }

    /** Drawing x ~ q and checking it gives tokens distributed as p; keeping x ~ q unchecked does not. */
    @Test
    void checkedDraftsAreDistributedAsP() {
        SplittableRandom r = new SplittableRandom(17);
        int n = 200_000;
        long[] counts = new long[P.length];
        long[] drafts = new long[P.length];
        int accepted = 0;
        for (int i = 0; i < n; i++) {
            int x = SpeculativeSampling.sample(Q, r);
            drafts[x]++;
            SpeculativeSampling.Outcome o = SpeculativeSampling.check(P, Q, x, r);
            counts[o.token()]++;
            accepted += o.accepted() ? 1 : 0;
        }
        double[] p = {0.5, 0.3, 0.2, 0};
        assertTrue(ChiSquare.test(counts, p).pValue() > 1e-3, "checked: " + ChiSquare.test(counts, p));
        assertTrue(ChiSquare.test(drafts, p).pValue() < 1e-3, "unchecked drafts must fail the test");
        assertEquals(0, counts[3], "a token p never says never comes out");
        assertEquals(0.2 + 0.3 + 0.2, (double) accepted / n, 0.005, "acceptance rate Σ min(p, q)");
    }

    @Test
    void sampleInvertsTheCumulativeDistribution() {
        float[] probs = {0f, 0.25f, 0f, 0.75f, 0f};
        SplittableRandom r = new SplittableRandom(5);
        long[] counts = new long[probs.length];
        for (int i = 0; i < 40_000; i++) {
            counts[SpeculativeSampling.sample(probs, r)]++;
        }
        assertEquals(0, counts[0] + counts[2] + counts[4], "zero-mass tokens are never drawn");
        assertTrue(ChiSquare.test(counts, new double[] {0, 0.25, 0, 0.75, 0}).pValue() > 1e-3);
    }

    private static float[] random(SplittableRandom r, int n, boolean sparse) {
        float[] p = new float[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = sparse && r.nextInt(3) == 0 ? 0f : (float) r.nextDouble();
            sum += p[i];
        }
        if (sum == 0) {
            p[0] = 1;
            sum = 1;
        }
        for (int i = 0; i < n; i++) {
            p[i] /= (float) sum;
        }
        return p;
    }
}
