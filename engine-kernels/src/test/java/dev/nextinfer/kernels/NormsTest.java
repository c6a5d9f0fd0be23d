package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** RMSNorm variants and l2 normalisation against their scalar twins, on odd sizes. */
class NormsTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 15, 16, 17, 31, 33, 64, 80, 129, 2048, 2051})
    void zeroCentredRmsNorm(int n) {
        Rand r = new Rand(n);
        float[] x = r.normal(n + 5, 3);
        float[] w = r.uniform(n, -0.3, 0.3);
        float[] out = new float[n + 2];
        Norms.rmsNormZeroCentred(x, 5, w, 1e-6f, out, 2, n);
        float[] slice = java.util.Arrays.copyOfRange(x, 5, n + 5);
        assertClose("rmsnorm", java.util.Arrays.copyOfRange(out, 2, n + 2), ScalarReference.rmsNormZeroCentred(slice, w, 1e-6), 1e-6);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17, 20, 33, 128, 131})
    void gatedRmsNormInPlace(int n) {
        Rand r = new Rand(n + 100);
        float[] x = r.normal(n, 2);
        float[] w = r.uniform(n, 0.8, 1.2);
        float[] z = r.normal(n, 1);
        float[] expected = ScalarReference.rmsNormGated(x, w, z, 1e-6);
        float[] x2 = x.clone();
        Norms.rmsNormGated(x, 0, w, z, 0, 1e-6f, x, 0, n); // in place, as the model uses it
        assertClose("gated rmsnorm", x, expected, 1e-6);

        float[] gate = new float[n + 5]; // a caller's scratch: longer, holding another call's values
        java.util.Arrays.fill(gate, 42f);
        Norms.rmsNormGated(x2, 0, w, z, 0, 1e-6f, x2, 0, n, gate);
        org.junit.jupiter.api.Assertions.assertArrayEquals(x, x2, "with a reused gate array");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 5, 12, 16, 17, 128, 131})
    void l2Normalize(int n) {
        float[] x = new Rand(n + 7).normal(n, 4);
        float[] expected = ScalarReference.l2Normalize(x, 1e-6);
        Norms.l2Normalize(x, 0, n, 1e-6f);
        assertClose("l2norm", x, expected, 1e-6);
    }
}
