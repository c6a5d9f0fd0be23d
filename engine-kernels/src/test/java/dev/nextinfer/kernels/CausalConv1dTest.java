package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Causal conv with a carried window: one call, or the same sequence split into uneven calls, equals the twin. */
class CausalConv1dTest {

    @ParameterizedTest(name = "T={0} C={1} K={2}")
    @CsvSource({"1, 3, 4", "2, 17, 4", "7, 33, 4", "64, 20, 4", "9, 5, 2", "5, 9, 1"})
    void matchesScalarTwinAcrossSplits(int T, int C, int K) {
        Rand r = new Rand(T * 100L + C);
        float[] x = r.normal(T * C, 1);
        float[] w = r.normal(C * K, 0.5);
        float[] expected = ScalarReference.causalConv(x, T, C, w, K, true);

        float[] window = new float[(K - 1) * C];
        float[] out = new float[T * C];
        CausalConv1d.forward(x, C, T, C, 0, C, w, K, window, true, out, C);
        assertClose("one call", out, expected, 1e-6);

        // token by token, with channels split in two ranges, continues the window
        float[] window2 = new float[(K - 1) * C];
        float[] out2 = new float[T * C];
        for (int t = 0; t < T; t++) {
            float[] xt = java.util.Arrays.copyOfRange(x, t * C, (t + 1) * C);
            float[] ot = new float[C];
            CausalConv1d.forward(xt, C, 1, C, 0, C / 2, w, K, window2, true, ot, C);
            CausalConv1d.forward(xt, C, 1, C, C / 2, C, w, K, window2, true, ot, C);
            System.arraycopy(ot, 0, out2, t * C, C);
        }
        assertClose("token by token", out2, expected, 1e-6);
        assertClose("final window", window2, window, 0);
    }

    /** {@code convolve} leaves the window alone; {@code pushWindow} of a prefix then equals a call over that prefix. */
    @ParameterizedTest(name = "T={0} C={1} K={2}")
    @CsvSource({"5, 7, 4", "2, 3, 4", "1, 4, 2"})
    void convolveThenPushPrefixEqualsForward(int T, int C, int K) {
        Rand r = new Rand(T * 7L + C);
        float[] x = r.normal(T * C, 1);
        float[] w = r.normal(C * K, 0.5);
        float[] window0 = r.normal((K - 1) * C, 1);
        float[] window = window0.clone();
        float[] out = new float[T * C];
        CausalConv1d.convolve(x, C, T, C, 0, C, w, K, window, true, out, C);
        assertClose("window untouched", window, window0, 0);
        float[] expectedOut = new float[T * C];
        CausalConv1d.forward(x, C, T, C, 0, C, w, K, window0.clone(), true, expectedOut, C);
        assertClose("outputs", out, expectedOut, 0);
        for (int a = 0; a <= T; a++) {
            float[] expected = window0.clone();
            CausalConv1d.forward(x, C, a, C, 0, C, w, K, expected, true, new float[Math.max(1, a) * C], C);
            float[] pushed = window0.clone();
            CausalConv1d.pushWindow(x, C, a, C, 0, C, K, pushed);
            assertClose("window after " + a, pushed, expected, 0);
        }
    }
}
