package dev.nextinfer.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** RMSNorm variants and the l2 normalisation used by Gated DeltaNet. */
public final class Norms {
    private static final VectorSpecies<Float> F = Simd.F;

    private Norms() {
    }

    /**
     * Zero-centred RMSNorm: {@code out = x · rsqrt(mean(x²) + eps) · (1 + w)}. {@code out} may alias {@code x}.
     */
    public static void rmsNormZeroCentred(float[] x, int xOff, float[] w, float eps, float[] out, int outOff, int n) {
        float inv = invRms(x, xOff, n, eps);
        for (int i = 0; i < n; i++) {
            out[outOff + i] = x[xOff + i] * inv * (1.0f + w[i]);
        }
    }

    /**
     * Gated RMSNorm (not centred): {@code out = w · x · rsqrt(mean(x²) + eps) · silu(z)}. {@code out} may alias
     * {@code x}.
     */
    public static void rmsNormGated(float[] x, int xOff, float[] w, float[] z, int zOff, float eps, float[] out, int outOff, int n) {
        rmsNormGated(x, xOff, w, z, zOff, eps, out, outOff, n, new float[n]);
    }

    /**
     * As {@link #rmsNormGated(float[], int, float[], float[], int, float, float[], int, int)} with {@code silu(z)} kept
     * in {@code gate} (at least {@code n} floats, any contents), so that a caller normalising many heads allocates it
     * once.
     */
    public static void rmsNormGated(float[] x, int xOff, float[] w, float[] z, int zOff, float eps, float[] out, int outOff, int n,
                                    float[] gate) {
        float inv = invRms(x, xOff, n, eps);
        Activations.silu(z, zOff, gate, 0, n); // before out is written: out may alias z
        int i = 0;
        for (int end = F.loopBound(n); i < end; i += F.length()) { // out may alias x: each lane read before written
            FloatVector xi = FloatVector.fromArray(F, x, xOff + i).mul(inv);
            FloatVector.fromArray(F, w, i).mul(xi).mul(FloatVector.fromArray(F, gate, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = w[i] * (x[xOff + i] * inv) * gate[i];
        }
    }

    /** In place: {@code x = x · rsqrt(Σx² + eps)} (eps inside the square root). */
    public static void l2Normalize(float[] x, int off, int n, float eps) {
        float inv = (float) (1.0 / Math.sqrt(VectorOps.sumOfSquares(x, off, n) + eps));
        VectorOps.scale(x, off, n, inv);
    }

    private static float invRms(float[] x, int off, int n, float eps) {
        float meanSquare = VectorOps.sumOfSquares(x, off, n) / n;
        return (float) (1.0 / Math.sqrt(meanSquare + eps));
    }
}
