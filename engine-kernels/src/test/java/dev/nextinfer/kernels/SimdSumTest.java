package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Simd#sum} is exactly the pairwise tree of its scalar twin (lane i + lane i + n/2, then + n/4, …), bit for
 * bit, for every vector width — the property that makes it reproducible where {@code reduceLanes(ADD)} is not.
 */
class SimdSumTest {

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 512})
    void equalsScalarPairwiseTree(int bits) {
        VectorSpecies<Float> s = FloatVector.SPECIES_128.withShape(jdk.incubator.vector.VectorShape.forBitSize(bits));
        SplittableRandom r = new SplittableRandom(bits);
        float[] x = new float[s.length()];
        for (int trial = 0; trial < 1000; trial++) {
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-3, 4)));
            }
            assertEquals(Float.floatToIntBits(tree(x)), Float.floatToIntBits(Simd.sum(FloatVector.fromArray(s, x, 0))),
                    bits + "-bit trial " + trial);
        }
    }

    /**
     * {@link Simd#sumPair} and {@link Simd#sumOf} give the bits of {@code sum(fromArray(FB, a, off).add(fromArray(FB, a, off + FB_LANES)))}
     * at this JVM's width (the surefire runs at 128, 256 and 512 bits cover the three forms), at any offset.
     */
    @org.junit.jupiter.api.Test
    void sumPairEqualsVectorSumOfTheTwoVectors() {
        SplittableRandom r = new SplittableRandom(7);
        int n = Simd.FB_LANES;
        float[] a = new float[2 * n + 5];
        for (int trial = 0; trial < 2000; trial++) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (r.nextDouble(-1, 1) * Math.pow(10, r.nextInt(-4, 5)));
            }
            int off = trial % 6;
            float want = Simd.sum(FloatVector.fromArray(Simd.FB, a, off).add(FloatVector.fromArray(Simd.FB, a, off + n)));
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(Simd.sumPair(a, off)), n + " lanes, trial " + trial);
            float one = Simd.sum(FloatVector.fromArray(Simd.FB, a, off));
            assertEquals(Float.floatToIntBits(one), Float.floatToIntBits(Simd.sumOf(a, off)), n + " lanes, one vector, trial " + trial);
        }
    }

    /** The scalar twin: v[i] += v[(i + k) mod n] for k = n/2, n/4, …, 1; the result is lane 0. */
    private static float tree(float[] x) {
        float[] v = x.clone();
        for (int k = v.length / 2; k >= 1; k /= 2) {
            float[] next = new float[v.length];
            for (int i = 0; i < v.length; i++) {
                next[i] = v[i] + v[(i + k) % v.length];
            }
            v = next;
        }
        return v[0];
    }
}
