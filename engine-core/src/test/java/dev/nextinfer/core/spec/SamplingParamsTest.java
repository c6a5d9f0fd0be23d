package dev.nextinfer.core.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.NextInferException;
import org.junit.jupiter.api.Test;

/** Temperature, top-k and top-p turn logits into the distribution both p and q are taken from. */
class SamplingParamsTest {
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
            assertArrayEquals(softmax(LOGITS, t), SamplingParams.temperature(t).probabilities(LOGITS, 0, 5), 1e-6f);
        }
        float[] shifted = {9f, 1f, 3f, 2f, 3f, -1f};
        assertArrayEquals(softmax(LOGITS, 1), SamplingParams.temperature(1).probabilities(shifted, 1, 5), 1e-6f, "offset");
    }

    @Test
    void topKKeepsTheKLikeliestWithLowerIdsFirstOnTies() {
        float[] p = new SamplingParams(1, 2, 1).probabilities(LOGITS, 0, 5);
        assertArrayEquals(new float[] {0, 0.5f, 0, 0.5f, 0}, p, 1e-6f);
        float[] p3 = new SamplingParams(1, 3, 1).probabilities(LOGITS, 0, 5);
        float[] full = softmax(LOGITS, 1);
        float kept = full[1] + full[2] + full[3];
        assertArrayEquals(new float[] {0, full[1] / kept, full[2] / kept, full[3] / kept, 0}, p3, 1e-6f);
    }

    @Test
    void topPKeepsTheSmallestLikeliestSetReachingTheMass() {
        float[] l = {(float) Math.log(0.05), (float) Math.log(0.5), (float) Math.log(0.15), (float) Math.log(0.3)};
        assertArrayEquals(new float[] {0, 0.625f, 0, 0.375f}, new SamplingParams(1, 0, 0.7).probabilities(l, 0, 4), 1e-6f);
        assertArrayEquals(new float[] {0, 1, 0, 0}, new SamplingParams(1, 0, 0.5).probabilities(l, 0, 4), 1e-6f);
        float[] ties = {0f, 0f, 0f, 0f};
        assertArrayEquals(new float[] {0.5f, 0.5f, 0, 0}, new SamplingParams(1, 0, 0.5).probabilities(ties, 0, 4), 1e-6f);
    }

    @Test
    void badParametersAreOneLineErrors() {
        assertThrows(NextInferException.class, () -> SamplingParams.temperature(-0.1));
        assertThrows(NextInferException.class, () -> SamplingParams.temperature(Double.NaN));
        assertThrows(NextInferException.class, () -> new SamplingParams(1, -1, 1));
        assertThrows(NextInferException.class, () -> new SamplingParams(1, 0, 0));
        assertTrue(SamplingParams.GREEDY.greedy());
    }
}
