package dev.nextinfer.core.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.kernels.VectorOps;

/** Assertions on float arrays with the tolerances of the correctness contract. */
public final class Compare {
    /** |Δlogit| bound for f32 compute. */
    public static final double LOGIT_TOL = 2e-3;
    /** Relative bound on hidden states. */
    public static final double HIDDEN_REL_TOL = 1e-3;

    private Compare() {
    }

    /** max |a[aOff+i] − b[bOff+i]|. */
    public static double maxAbsDiff(float[] a, int aOff, float[] b, int bOff, int n) {
        double m = 0;
        for (int i = 0; i < n; i++) {
            m = Math.max(m, Math.abs((double) a[aOff + i] - b[bOff + i]));
        }
        return m;
    }

    /** max |Δ| / max |reference|. */
    public static double maxRelDiff(float[] actual, int aOff, float[] reference, int rOff, int n) {
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale = Math.max(scale, Math.abs(reference[rOff + i]));
        }
        return maxAbsDiff(actual, aOff, reference, rOff, n) / Math.max(scale, 1e-30);
    }

    /** Rows of {@code vocab} logits agree within {@link #LOGIT_TOL} and have the same argmax. */
    public static void assertLogits(String what, float[] actual, int aOff, float[] expected, int eOff, int vocab) {
        double d = maxAbsDiff(actual, aOff, expected, eOff, vocab);
        assertTrue(d <= LOGIT_TOL, what + ": max |Δlogit| = " + d + " > " + LOGIT_TOL);
        assertEquals(VectorOps.argmax(expected, eOff, vocab), VectorOps.argmax(actual, aOff, vocab), what + ": argmax differs");
    }
}
