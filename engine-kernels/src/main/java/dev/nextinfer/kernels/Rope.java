package dev.nextinfer.kernels;

/**
 * Rotary position embedding on the first {@code rotaryDim} dimensions of a head, "rotate-half" pairing: dimension
 * {@code d} rotates with {@code d + rotaryDim/2} by the angle {@code pos · invFreq[d]}. The other dimensions pass
 * through. Angles are computed in double precision.
 */
public final class Rope {
    private final int rotaryDim;
    private final double[] invFreq;

    /**
     * Standard RoPE: {@code invFreq[d] = 1 / theta^(2d / rotaryDim)}.
     *
     * @param rotaryDim even number of rotated dimensions
     */
    public Rope(int rotaryDim, double theta) {
        this(rotaryDim, standardInvFreq(rotaryDim, theta));
    }

    /** RoPE with given inverse frequencies (length {@code rotaryDim/2}), e.g. YaRN-scaled ones. */
    public Rope(int rotaryDim, double[] invFreq) {
        if (rotaryDim % 2 != 0 || invFreq.length != rotaryDim / 2) {
            throw new IllegalArgumentException("rotaryDim must be even and match invFreq: " + rotaryDim + ", " + invFreq.length);
        }
        this.rotaryDim = rotaryDim;
        this.invFreq = invFreq.clone();
    }

    /** {@code 1 / theta^(2d / rotaryDim)} for {@code d < rotaryDim/2}. */
    public static double[] standardInvFreq(int rotaryDim, double theta) {
        double[] f = new double[rotaryDim / 2];
        for (int d = 0; d < f.length; d++) {
            f[d] = 1.0 / Math.pow(theta, (2.0 * d) / rotaryDim);
        }
        return f;
    }

    /** Number of rotated dimensions. */
    public int rotaryDim() {
        return rotaryDim;
    }

    /** Fills {@code cos[d]}, {@code sin[d]} ({@code d < rotaryDim/2}) for position {@code pos}. */
    public void angles(long pos, float[] cos, float[] sin) {
        for (int d = 0; d < invFreq.length; d++) {
            double a = pos * invFreq[d];
            cos[d] = (float) Math.cos(a);
            sin[d] = (float) Math.sin(a);
        }
    }

    /** Rotates {@code x[off .. off+rotaryDim)} in place with precomputed {@link #angles}. */
    public void rotate(float[] x, int off, float[] cos, float[] sin) {
        int half = rotaryDim / 2;
        for (int d = 0; d < half; d++) {
            float x1 = x[off + d];
            float x2 = x[off + d + half];
            x[off + d] = x1 * cos[d] - x2 * sin[d];
            x[off + d + half] = x2 * cos[d] + x1 * sin[d];
        }
    }
}
