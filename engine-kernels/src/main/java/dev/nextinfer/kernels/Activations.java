package dev.nextinfer.kernels;

/** Scalar activation functions and the SwiGLU combination. */
public final class Activations {
    private Activations() {
    }

    /** {@code x · sigmoid(x)}. */
    public static float silu(float x) {
        return x / (1.0f + (float) Math.exp(-x));
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
        for (int i = 0; i < n; i++) {
            gate[gateOff + i] = silu(gate[gateOff + i]) * up[upOff + i];
        }
    }

    /** In place: {@code x[i] = silu(x[i])}. */
    public static void silu(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] = silu(x[off + i]);
        }
    }
}
