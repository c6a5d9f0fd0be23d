package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * SiLU in vectors: every element the bits of {@link Activations#silu(float)} whether it lands in a vector or in the
 * scalar tail (odd lengths and offsets), and within a few ulp of {@code x / (1 + e^−x)} in double precision; the
 * SwiGLU product and the gated RMSNorm likewise against their element-wise scalar forms.
 */
class ActivationsTest {
    private static final float[] EDGES = {0f, -0f, 1f, -1f, 1e-8f, -1e-8f, 20f, -20f, 87f, -87f, -87.4f, -88f, -100f,
        -1e30f, 88.5f, 100f, 1e30f, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY};

    private static float[] values(SplittableRandom r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i < EDGES.length && r.nextBoolean() ? EDGES[i] : (float) (r.nextGaussian() * (i % 3 == 0 ? 30 : 3));
        }
        return x;
    }

    @Test
    void vectorSiluIsTheScalarTwinInEveryPositionAndCloseToTheDefinition() {
        SplittableRandom r = new SplittableRandom(7);
        for (int n : new int[] {1, 3, 15, 16, 17, 33, 100, 257}) {
            for (int off : new int[] {0, 1, 5}) {
                float[] x = values(r, n + off);
                float[] y = x.clone();
                Activations.silu(y, off, n);
                for (int i = off; i < off + n; i++) {
                    float expect = Activations.silu(x[i]);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(y[i]), "silu(" + x[i] + ") n=" + n + " at " + i);
                    double exact = x[i] / (1 + Math.exp(-(double) x[i]));
                    if (Double.isFinite(exact) && Math.abs(exact) > 1e-30) {
                        assertTrue(Math.abs(expect - exact) <= 4 * Math.ulp((float) exact), "silu(" + x[i] + ") = " + expect + ", exact " + exact);
                    } else if (Double.isFinite(exact)) {
                        assertTrue(Math.abs(expect) <= 1e-30, "silu(" + x[i] + ") = " + expect);
                    }
                }
            }
        }
        assertEquals(Float.POSITIVE_INFINITY, Activations.silu(Float.POSITIVE_INFINITY));
        assertTrue(Float.isNaN(Activations.silu(Float.NaN)));
    }

    @Test
    void swigluAndGatedNormMatchTheirScalarFormsBitForBit() {
        SplittableRandom r = new SplittableRandom(11);
        for (int n : new int[] {1, 7, 16, 31, 128, 130}) {
            float[] gate = values(r, n + 2);
            float[] up = values(r, n + 3);
            float[] got = gate.clone();
            int m = n > 2 ? n - 2 : n;
            Activations.swiglu(got, 2, up, 3, m);
            for (int i = 0; i < m; i++) {
                float expect = Activations.silu(gate[2 + i]) * up[3 + i];
                assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(got[2 + i]), "swiglu n=" + m + " at " + i);
            }
            float[] x = new float[n + 1];
            float[] z = new float[n + 4];
            float[] w = new float[n];
            for (int i = 0; i < n; i++) {
                x[1 + i] = (float) r.nextGaussian();
                z[4 + i] = (float) (r.nextGaussian() * 4);
                w[i] = (float) (1 + 0.1 * r.nextGaussian());
            }
            float[] out = x.clone();
            Norms.rmsNormGated(out, 1, w, z, 4, 1e-6f, out, 1, n); // in place, as the model calls it
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += x[1 + i] * x[1 + i];
            }
            float[] viaRef = new float[n];
            System.arraycopy(x, 1, viaRef, 0, n);
            float[] zRef = new float[n];
            System.arraycopy(z, 4, zRef, 0, n);
            float[] scalar = new float[n];
            float inv = invRms(viaRef, n, 1e-6f);
            for (int i = 0; i < n; i++) {
                scalar[i] = w[i] * (viaRef[i] * inv) * Activations.silu(zRef[i]);
                assertEquals(Float.floatToRawIntBits(scalar[i]), Float.floatToRawIntBits(out[1 + i]), "gated norm n=" + n + " at " + i);
            }
            assertTrue(ss > 0);
        }
    }

    /** The norm's own scale (the same vector sum of squares), so only the element-wise part is compared. */
    private static float invRms(float[] x, int n, float eps) {
        float meanSquare = VectorOps.sumOfSquares(x, 0, n) / n;
        return (float) (1.0 / Math.sqrt(meanSquare + eps));
    }
}
