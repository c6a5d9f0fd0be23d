package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Simd#exp(float[], int, int)}: the same bits as its scalar twin in every lane at every vector width (what makes
 * softmax and the delta rule's decays reproducible), and within 2 ulp of {@code Math.exp}.
 */
class SimdExpTest {
    private static final float[] EDGES = {0f, -0f, 1f, -1f, 0.5f * 0.6931472f, -0.5f * 0.6931472f, -87.33654f, -87.3366f,
        -87.4f, -100f, -1e30f, Float.NEGATIVE_INFINITY, 88.37626f, 88.3f, 10f, -10f, 1e-8f, -1e-8f, Float.NaN};

    /**
     * Every lane and every tail element of the array form equals the scalar twin, on odd lengths and offsets. The
     * build runs this class at 128, 256 and 512 bits (the preferred species capped by {@code MaxVectorSize}).
     */
    @Test
    void vectorEqualsScalarTwinBitForBit() {
        SplittableRandom r = new SplittableRandom(5);
        for (int n : new int[] {1, 7, 16, 33, 100}) {
            float[] x = new float[n + 3];
            for (int trial = 0; trial < 2_000; trial++) {
                for (int i = 0; i < x.length; i++) {
                    x[i] = trial < EDGES.length * 2 ? EDGES[(trial + i) % EDGES.length] : (float) r.nextDouble(-95, 90);
                }
                float[] y = x.clone();
                Simd.exp(y, 3, n);
                for (int i = 0; i < 3; i++) {
                    assertEquals(Float.floatToIntBits(x[i]), Float.floatToIntBits(y[i]), "outside the range");
                }
                for (int i = 3; i < n + 3; i++) {
                    assertEquals(Float.floatToIntBits(Simd.exp(x[i])), Float.floatToIntBits(y[i]), Simd.F.vectorBitSize() + "-bit e^" + x[i]);
                }
            }
        }
    }

    /** Repeated until the JIT has compiled the loop: compiled, the vector code still gives the scalar twin's bits. */
    @Test
    void compiledAtThePreferredWidthEqualsScalarTwin() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[1000];
        for (int trial = 0; trial < 5_000; trial++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = i < EDGES.length ? EDGES[i] : (float) r.nextDouble(-100, 90);
            }
            float[] y = x.clone();
            Simd.exp(y, 0, y.length);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToIntBits(Simd.exp(x[i])) != Float.floatToIntBits(y[i])) {
                    assertEquals(Simd.exp(x[i]), y[i], "trial " + trial + ": e^" + x[i]);
                }
            }
        }
    }

    @Test
    void scalarIsWithinTwoUlpOfTheExactValue() {
        SplittableRandom r = new SplittableRandom(7);
        for (int trial = 0; trial < 1_000_000; trial++) {
            float x = trial % 2 == 0 ? (float) r.nextDouble(-87.33, 88.37) : (float) r.nextDouble(-1, 1);
            float want = (float) Math.exp(x);
            float got = Simd.exp(x);
            assertTrue(Math.abs(got - want) <= 2 * Math.ulp(want), "e^" + x + ": " + got + " vs " + want);
        }
        assertEquals(1f, Simd.exp(0f));
        assertEquals(0f, Simd.exp(-88f));
        assertEquals(0f, Simd.exp(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(Simd.exp(Float.NaN)));
    }
}
