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

    /**
     * Both loops (scalar below {@link CausalConv1d#VECTOR_STEPS} steps, time outer and channels in vectors from
     * there) give the bits of the plain channel-at-a-time loop, for
     * channel ranges that are not lane multiples, strided inputs and outputs, and steps that reach into the window.
     */
    @ParameterizedTest(name = "T={0} C={1} K={2} c0={3} c1={4}")
    @CsvSource({"1, 37, 4, 0, 37", "3, 37, 4, 5, 36", "9, 100, 4, 17, 99", "64, 70, 4, 1, 70", "2, 16, 4, 0, 16",
            "5, 33, 2, 3, 30", "4, 19, 1, 0, 19", "8, 37, 4, 0, 37", "12, 33, 2, 3, 30", "7, 100, 4, 17, 99"})
    void vectorLoopMatchesTheChannelLoopBitForBit(int T, int C, int K, int c0, int c1) {
        Rand r = new Rand(T * 31L + C * 7L + c0);
        int xStride = C + 3;
        int outStride = C + 5;
        float[] x = r.normal(T * xStride, 1);
        float[] w = r.normal(C * K, 0.5);
        float[] window = r.normal(Math.max(1, (K - 1) * C), 1);
        for (boolean silu : new boolean[] {false, true}) {
            float[] out = new float[T * outStride];
            float[] twin = new float[T * outStride];
            CausalConv1d.convolve(x, xStride, T, C, c0, c1, w, K, window, silu, out, outStride);
            channelLoop(x, xStride, T, C, c0, c1, w, K, window, silu, twin, outStride);
            for (int i = 0; i < out.length; i++) {
                org.junit.jupiter.api.Assertions.assertEquals(Float.floatToRawIntBits(twin[i]), Float.floatToRawIntBits(out[i]),
                        "output " + i + " (silu " + silu + ")");
            }
        }
    }

    /** The scalar twin: one channel at a time over all steps, taps in order, multiply then add. */
    private static void channelLoop(float[] x, int xStride, int T, int channels, int c0, int c1, float[] w, int K,
                                    float[] window, boolean silu, float[] out, int outStride) {
        int hist = K - 1;
        for (int c = c0; c < c1; c++) {
            for (int t = 0; t < T; t++) {
                float acc = 0f;
                for (int j = 0; j < K; j++) {
                    int src = t - hist + j;
                    float in = src >= 0 ? x[src * xStride + c] : window[(hist + src) * channels + c];
                    acc += w[c * K + j] * in;
                }
                out[t * outStride + c] = silu ? Activations.silu(acc) : acc;
            }
        }
    }
}
