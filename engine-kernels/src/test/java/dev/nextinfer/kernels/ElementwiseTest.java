package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** VectorOps, activations, softmax and top-k against scalar twins, on odd sizes. */
class ElementwiseTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 7, 15, 16, 17, 33, 255, 1031})
    void vectorOps(int n) {
        Rand r = new Rand(n);
        float[] a = r.normal(n + 3, 1);
        float[] b = r.normal(n + 1, 1);
        assertEquals(ScalarReference.dot(a, 3, b, 1, n), VectorOps.dot(a, 3, b, 1, n), 1e-4 * Math.sqrt(n));

        float[] y = r.normal(n, 1);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = y[i] + 0.5f * a[3 + i];
        }
        VectorOps.axpy(0.5f, a, 3, y, 0, n);
        assertClose("axpy", y, expected, 1e-6);

        float[] z = y.clone();
        VectorOps.add(z, 0, b, 1, n);
        for (int i = 0; i < n; i++) {
            expected[i] = y[i] + b[1 + i];
        }
        assertClose("add", z, expected, 1e-6);

        VectorOps.scale(z, 0, n, -2f);
        for (int i = 0; i < n; i++) {
            expected[i] *= -2f;
        }
        assertClose("scale", z, expected, 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 512, 151936})
    void softmax(int n) {
        float[] x = new Rand(n).normal(n, 5);
        float[] expected = ScalarReference.softmax(x);
        Softmax.softmax(x, 0, n);
        assertClose("softmax", x, expected, 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 33, 130})
    void activations(int n) {
        Rand r = new Rand(n);
        float[] g = r.normal(n, 4);
        float[] u = r.normal(n, 1);
        float[] expected = new float[n];
        for (int i = 0; i < n; i++) {
            expected[i] = (float) (ScalarReference.silu(g[i]) * u[i]);
            assertEquals(ScalarReference.sigmoid(g[i]), Activations.sigmoid(g[i]), 1e-6);
            assertEquals(ScalarReference.softplus(g[i]), Activations.softplus(g[i]), 1e-5);
        }
        Activations.swiglu(g, 0, u, 0, n);
        assertClose("swiglu", g, expected, 1e-6);
        assertEquals(25f, Activations.softplus(25f), 1e-6); // linear region, no overflow
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 4, 10, 17})
    void topKIsSortedSelectionWithLowerIdOnTies(int k) {
        int n = 64;
        float[] x = new Rand(k).normal(n, 1);
        x[5] = 3f;
        x[9] = 3f; // exact tie: 5 must come before 9
        int[] idx = new int[k];
        TopK.topK(x, 0, n, k, idx);
        int[] expected = IntStream.range(0, n).boxed()
                .sorted(Comparator.comparing((Integer i) -> -x[i]).thenComparing(i -> i))
                .limit(k).mapToInt(Integer::intValue).toArray();
        assertArrayEquals(expected, idx);
    }

    @Test
    void argmaxTakesFirstOfTies() {
        float[] x = {1, 5, 2, 5, 0};
        assertEquals(1, VectorOps.argmax(x, 0, x.length));
        assertEquals(0, VectorOps.argmax(x, 1, 3)); // offset slice [5, 2, 5]
        assertEquals(0, VectorOps.argmax(Arrays.copyOfRange(x, 1, 4), 0, 3));
    }
}
