package dev.nextinfer.kernels;

/** Numerically stable softmax. */
public final class Softmax {
    private Softmax() {
    }

    /** In place over {@code x[off .. off+n)}: subtract the max, exponentiate, normalise. */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[off + i]);
        }
        double sum = 0; // double: a 151,936-wide f32 sum would lose ~1e-4 relative
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < n; i++) {
            x[off + i] *= inv;
        }
    }
}
