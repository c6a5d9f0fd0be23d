package dev.nextinfer.core.sampling;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.NextInferException;
import org.junit.jupiter.api.Test;

/** Temperature, top-k and top-p turn logits into the distribution both p and q are taken from. */
class SamplingTransformTest {
    private static final float[] LOGITS = {1f, 3f, 2f, 3f, -1f};

    private static float[] softmax(float[] l, double t) {
        double[] e = new double[l.length];
        double s = 0;
        for (int i = 0; i < l.length; i++) {
            e[i] = Math.exp(l[i] / t);
            s += e[i];
        }
        float[] p = new float[l.length];
        for (int i = 0; i < l.length; i++) {
            p[i] = (float) (e[i] / s);
        }
        return p;
    }

    @Test
    void temperatureScalesLogitsBeforeSoftmax() {
        for (double t : new double[] {0.5, 1, 2}) {
            assertArrayEquals(softmax(LOGITS, t), SamplingTransform.temperature(t).probabilities(LOGITS, 0, 5), 1e-6f);
        }
        float[] shifted = {9f, 1f, 3f, 2f, 3f, -1f};
        assertArrayEquals(softmax(LOGITS, 1), SamplingTransform.temperature(1).probabilities(shifted, 1, 5), 1e-6f, "offset");
    }

    @Test
    void topKKeepsTheKLikeliestWithLowerIdsFirstOnTies() {
        float[] p = new SamplingTransform(1, 2, 1, 0).probabilities(LOGITS, 0, 5);
        assertArrayEquals(new float[] {0, 0.5f, 0, 0.5f, 0}, p, 1e-6f);
        float[] p3 = new SamplingTransform(1, 3, 1, 0).probabilities(LOGITS, 0, 5);
        float[] full = softmax(LOGITS, 1);
        float kept = full[1] + full[2] + full[3];
        assertArrayEquals(new float[] {0, full[1] / kept, full[2] / kept, full[3] / kept, 0}, p3, 1e-6f);
    }

    @Test
    void topPKeepsTheSmallestLikeliestSetReachingTheMass() {
        float[] l = {(float) Math.log(0.05), (float) Math.log(0.5), (float) Math.log(0.15), (float) Math.log(0.3)};
        assertArrayEquals(new float[] {0, 0.625f, 0, 0.375f}, new SamplingTransform(1, 0, 0.7, 0).probabilities(l, 0, 4), 1e-6f);
        assertArrayEquals(new float[] {0, 1, 0, 0}, new SamplingTransform(1, 0, 0.5, 0).probabilities(l, 0, 4), 1e-6f);
        float[] ties = {0f, 0f, 0f, 0f};
        assertArrayEquals(new float[] {0.5f, 0.5f, 0, 0}, new SamplingTransform(1, 0, 0.5, 0).probabilities(ties, 0, 4), 1e-6f);
    }

    /** The narrowed nucleus equals a plain full sort on large vocabularies: flat, peaked, with ties, tiny tails. */
    @Test
    void topPMatchesAFullSortReference() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(8);
        for (int trial = 0; trial < 40; trial++) {
            int vocab = 1 + r.nextInt(20_000);
            float spread = (float) (0.1 + 30 * r.nextDouble());
            float[] logits = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                logits[i] = trial % 4 == 0 ? Math.round(r.nextDouble() * 3) : (float) (spread * r.nextGaussian()); // ties
            }
            double topP = trial % 5 == 0 ? 0.999999 : r.nextDouble();
            SamplingTransform sp = new SamplingTransform(1, 0, Math.max(topP, 1e-3), 0);
            assertArrayEquals(referenceTopP(SamplingTransform.temperature(1).probabilities(logits, 0, vocab), sp.topP()),
                    sp.probabilities(logits, 0, vocab), 1e-6f, "trial " + trial);
        }
    }

    private static float[] referenceTopP(float[] p, double mass) {
        Integer[] ids = new Integer[p.length];
        for (int i = 0; i < p.length; i++) {
            ids[i] = i;
        }
        java.util.Arrays.sort(ids, (a, b) -> p[a] != p[b] ? Float.compare(p[b], p[a]) : Integer.compare(a, b));
        float[] out = new float[p.length];
        double cum = 0;
        double kept = 0;
        for (int i = 0; i < ids.length && cum < mass; i++) {
            if (p[ids[i]] > 0) {
                out[ids[i]] = p[ids[i]];
                cum += p[ids[i]];
                kept += p[ids[i]];
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] / kept);
        }
        return out;
    }

    @Test
    void badParametersAreOneLineErrors() {
        assertThrows(NextInferException.class, () -> SamplingTransform.temperature(-0.1));
        assertThrows(NextInferException.class, () -> SamplingTransform.temperature(Double.NaN));
        assertThrows(NextInferException.class, () -> new SamplingTransform(1, -1, 1, 0));
        assertThrows(NextInferException.class, () -> new SamplingTransform(1, 0, 0, 0));
        assertTrue(SamplingTransform.GREEDY.greedy());
    }
}
