package dev.nextinfer.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation functions and the SwiGLU combination. SiLU runs in vectors (a 512-token prefill takes ~5 M of them per
 * DeltaNet layer: the convolution's outputs, the experts' gates, the gated norm) on {@link Simd#exp}, whose scalar
 * twin makes {@link #silu(float)}: every element gets the same bits whether it falls in a vector or in a tail, at any
 * vector width, so prefill, decode and batched steps agree.
 */
public final class Activations {
    private static final VectorSpecies<Float> F = Simd.F;

    private Activations() {
    }

    /**
     * {@code x · sigmoid(x)}, with the exponential of {@code −|x|} (never positive, where {@link Simd#exp} is
     * defined): {@code sigmoid(x) = 1 / (1 + e^−x)} for {@code x ≥ 0} and {@code e^x / (1 + e^x)} below. The scalar
     * twin of the vector loop of {@link #silu(float[], int, float[], int, int)}.
     */
    public static float silu(float x) {
        float e = Simd.exp(-Math.abs(x));
        return x * ((x < 0f ? e : 1f) / (1f + e));
    }

    /** {@code 1 / (1 + e^-x)}. */
    public static float sigmoid(float x) {
        return 1.0f / (1.0f + (float) Math.exp(-x));
    }

    /** {@code log(1 + e^x)}, as torch.nn.functional.softplus (linear above 20). */
    public static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }

    /** In place: {@code gate[i] = silu(gate[i]) · up[i]} (the SiLU rounded to f32, then the product). */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        silu(gate, gateOff, gate, gateOff, n);
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            FloatVector.fromArray(F, gate, gateOff + i).mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, gateOff + i);
        }
        for (; i < n; i++) {
            gate[gateOff + i] = gate[gateOff + i] * up[upOff + i];
        }
    }

    /** In place: {@code x[i] = silu(x[i])}. */
    public static void silu(float[] x, int off, int n) {
        silu(x, off, x, off, n);
    }

    /** {@code dst[dOff + i] = silu(src[so + i])} ({@code dst} may be {@code src} at the same offset), in vectors. */
    public static void silu(float[] src, int so, float[] dst, int dOff, int n) {
        Simd.expOrSilu(src, so, dst, dOff, n, true);
    }
}
