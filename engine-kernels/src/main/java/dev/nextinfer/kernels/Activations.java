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
     * twin of {@link #silu(FloatVector)}.
     */
    public static float silu(float x) {
        float e = Simd.exp(-Math.abs(x));
        return x * ((x < 0f ? e : 1f) / (1f + e));
    }

    /** {@link #silu(float)} lane by lane, the same operations in the same order. */
    static FloatVector silu(FloatVector x) {
        FloatVector e = Simd.exp(x.abs().neg());
        FloatVector numerator = FloatVector.broadcast(x.species(), 1f).blend(e, x.lt(0f));
        return x.mul(numerator.div(e.add(1f)));
    }

    /** {@code 1 / (1 + e^-x)}. */
    public static float sigmoid(float x) {
        return 1.0f / (1.0f + (float) Math.exp(-x));
    }

    /** {@code log(1 + e^x)}, as torch.nn.functional.softplus (linear above 20). */
    public static float softplus(float x) {
        return x > 20f ? x : (float) Math.log1p(Math.exp(x));
    }

    /** In place: {@code gate[i] = silu(gate[i]) · up[i]}. */
    public static void swiglu(float[] gate, int gateOff, float[] up, int upOff, int n) {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            FloatVector g = FloatVector.fromArray(F, gate, gateOff + i);
            silu(g).mul(FloatVector.fromArray(F, up, upOff + i)).intoArray(gate, gateOff + i);
        }
        for (; i < n; i++) {
            gate[gateOff + i] = silu(gate[gateOff + i]) * up[upOff + i];
        }
    }

    /** In place: {@code x[i] = silu(x[i])}. */
    public static void silu(float[] x, int off, int n) {
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) {
            silu(FloatVector.fromArray(F, x, off + i)).intoArray(x, off + i);
        }
        for (; i < n; i++) {
            x[off + i] = silu(x[off + i]);
        }
    }
}
