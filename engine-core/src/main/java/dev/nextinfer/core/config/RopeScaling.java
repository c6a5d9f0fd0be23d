package dev.nextinfer.core.config;

/**
 * YaRN context extension of RoPE ({@code rope_scaling: {"rope_type": "yarn", ...}}), as transformers'
 * {@code _compute_yarn_parameters}.
 *
 * @param factor                        context extension factor
 * @param originalMaxPositionEmbeddings the pre-training context length
 * @param betaFast                      high rotation cut-off (default 32)
 * @param betaSlow                      low rotation cut-off (default 1)
 * @param attentionFactor               multiplier on cos/sin; NaN = derived from {@code factor}
 * @param truncate                      round the correction range to whole dimensions (default true)
 */
public record RopeScaling(double factor, int originalMaxPositionEmbeddings, double betaFast, double betaSlow,
                          double attentionFactor, boolean truncate) {

    /** YaRN by {@code factor} over {@code originalMaxPositionEmbeddings} with the defaults (β 32/1, derived attention factor, truncation). */
    public static RopeScaling yarn(double factor, int originalMaxPositionEmbeddings) {
        return new RopeScaling(factor, originalMaxPositionEmbeddings, 32, 1, Double.NaN, true);
    }

    /** YaRN inverse frequencies for {@code rotaryDim} rotated dimensions. */
    public double[] invFreq(int rotaryDim, double theta) {
        int half = rotaryDim / 2;
        double low = correctionDim(betaFast, rotaryDim, theta);
        double high = correctionDim(betaSlow, rotaryDim, theta);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, rotaryDim - 1);
        if (low == high) {
            high += 0.001;
        }
        double[] f = new double[half];
        for (int d = 0; d < half; d++) {
            double posFreq = Math.pow(theta, (2.0 * d) / rotaryDim);
            double extrapolation = 1.0 / posFreq;
            double interpolation = 1.0 / (factor * posFreq);
            double ramp = Math.min(1.0, Math.max(0.0, (d - low) / (high - low)));
            double extrapolationFactor = 1.0 - ramp;
            f[d] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return f;
    }

    /** The factor applied to cos and sin (so to q and k). */
    public double effectiveAttentionFactor() {
        if (!Double.isNaN(attentionFactor)) {
            return attentionFactor;
        }
        return factor <= 1 ? 1.0 : 0.1 * Math.log(factor) + 1.0;
    }

    private double correctionDim(double rotations, int dim, double base) {
        return (dim * Math.log(originalMaxPositionEmbeddings / (rotations * 2 * Math.PI))) / (2 * Math.log(base));
    }
}
