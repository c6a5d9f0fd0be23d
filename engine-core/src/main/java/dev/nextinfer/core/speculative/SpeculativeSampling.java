package dev.nextinfer.core.speculative;

import java.util.random.RandomGenerator;

/**
 * The acceptance rule of speculative sampling (Leviathan et al. 2023; Chen et al. 2023). A draft token
 * {@code x ~ q} is kept with probability {@code min(1, p(x)/q(x))}; otherwise the token is drawn from the residual
 * {@code norm(max(0, p − q))}. The result is distributed exactly as {@code p}:
 * {@code P(x) = q(x)·min(1, p(x)/q(x)) + (1 − Σ_y min(p(y), q(y)))·residual(x) = min(p, q)(x) + max(0, p − q)(x)}.
 */
public final class SpeculativeSampling {
    private SpeculativeSampling() {
    }

    /**
     * The outcome of checking one draft token.
     *
     * @param token    the draft token if accepted, else the one drawn from the residual
     * @param accepted whether the draft token was kept
     */
    public record Outcome(int token, boolean accepted) {
    }

    /** {@code min(1, p(x)/q(x))}: the probability of keeping draft token {@code x} drawn from {@code q}. */
    public static double acceptanceProbability(float[] p, float[] q, int x) {
        return q[x] <= 0 ? 1 : Math.min(1.0, (double) p[x] / q[x]);
    }

    /**
     * {@code max(0, p − q)} normalised: where to draw from after a rejection. When it is all zero (p ≤ q
     * everywhere, i.e. p = q up to rounding, where a rejection has probability ~0) it is {@code p} itself.
     */
    public static float[] residual(float[] p, float[] q) {
        float[] r = new float[p.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            r[i] = Math.max(0f, p[i] - q[i]);
            sum += r[i];
        }
        if (sum <= 0) {
            return p.clone();
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < r.length; i++) {
            r[i] *= inv;
        }
        return r;
    }

    /** Keeps draft token {@code x ~ q} with probability {@code min(1, p(x)/q(x))}, else draws from the residual. */
    public static Outcome check(float[] p, float[] q, int x, RandomGenerator rng) {
        if (rng.nextDouble() < acceptanceProbability(p, q, x)) {
            return new Outcome(x, true);
        }
        return new Outcome(sample(residual(p, q), rng), false);
    }

    /** A token drawn from {@code probs} (summing to 1) by inverting the cumulative distribution. */
    public static int sample(float[] probs, RandomGenerator rng) {
        double u = rng.nextDouble();
        double cum = 0;
        int last = -1;
        for (int i = 0; i < probs.length; i++) {
            if (probs[i] > 0) {
                cum += probs[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last; // u beyond a sum that rounded below 1: the last token with mass
    }
}
