package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Simd#exp(FloatVector)}: the same bits as its scalar twin in every lane at every vector width (what makes
 * softmax and the delta rule's decays reproducible), and within 2 ulp of {@code Math.exp}.
 */
class SimdExpTest {
    private static final float[] EDGES = {0f, -0f, 1f, -1f, 0.5f * 0.6931472f, -0.5f * 0.6931472f, -87.33654f, -87.3366f,
        -87.4f, -100f, -1e30f, Float.NEGATIVE_INFINITY, 88.37626f, 88.3f, 10f, -10f, 1e-8f, -1e-8f, Float.NaN};

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void vectorEqualsScalarTwinBitForBit(int bits) {
        VectorSpecies<Float> s = FloatVector.SPECIES_128.withShape(VectorShape.forBitSize(bits));
        SplittableRandom r = new SplittableRandom(bits);
        float[] x = new float[s.length()];
        float[] y = new float[s.length()];
        for (int trial = 0; trial < 20_000; trial++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = trial < EDGES.length * 2 ? EDGES[(trial + i) % EDGES.length] : (float) r.nextDouble(-95, 90);
            }
            Simd.exp(FloatVector.fromArray(s, x, 0)).intoArray(y, 0);
            for (int i = 0; i < x.length; i++) {
                assertEquals(Float.floatToIntBits(Simd.exp(x[i])), Float.floatToIntBits(y[i]), bits + "-bit e^" + x[i]);
            }
        }
    }

    /**
     * At the kernels' own species (a constant, so C2 compiles the Vector API calls to instructions, where a species
     * passed as a parameter leaves them to the Java fallback): repeated until the JIT has compiled the loop.
     */
    @Test
    void compiledAtThePreferredWidthEqualsScalarTwin() {
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[1000];
        float[] y = new float[x.length];
        for (int trial = 0; trial < 5_000; trial++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = i < EDGES.length ? EDGES[i] : (float) r.nextDouble(-100, 90);
            }
            expPreferred(x, y);
            for (int i = 0; i < x.length; i++) {
                if (Float.floatToIntBits(Simd.exp(x[i])) != Float.floatToIntBits(y[i])) {
                    assertEquals(Simd.exp(x[i]), y[i], "trial " + trial + ": e^" + x[i]);
                }
            }
        }
    }

    private static void expPreferred(float[] x, float[] y) {
        int i = 0;
        for (; i < Simd.F.loopBound(x.length); i += Simd.LANES) {
            Simd.exp(FloatVector.fromArray(Simd.F, x, i)).intoArray(y, i);
        }
        for (; i < x.length; i++) {
            y[i] = Simd.exp(x[i]);
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
