package dev.nextinfer.kernels;

/** Scaled dot-product attention of one query vector over cached keys and values (causal by construction). */
public final class Attention {
    private Attention() {
    }

    /**
     * {@code out = Σ_p softmax_p(scale · q·k_p) v_p} over positions {@code p < len}; key {@code p} at
     * {@code keys[kOff + p·kStride ..]}, value at {@code values[vOff + p·vStride ..]}. {@code scores} needs
     * {@code len} floats.
     */
    public static void attend(float[] q, int qOff, float[] keys, int kOff, int kStride,
                              float[] values, int vOff, int vStride, int len, int headDim, float scale,
                              float[] out, int outOff, float[] scores) {
        for (int p = 0; p < len; p++) {
            scores[p] = scale * VectorOps.dot(q, qOff, keys, kOff + p * kStride, headDim);
        }
        Softmax.softmax(scores, 0, len);
        java.util.Arrays.fill(out, outOff, outOff + headDim, 0f);
        for (int p = 0; p < len; p++) {
            VectorOps.axpy(scores[p], values, vOff + p * vStride, out, outOff, headDim);
        }
    }
}
