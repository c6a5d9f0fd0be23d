package dev.nextinfer.kernels;

/**
 * Depthwise causal convolution with a carried window, as PyTorch's {@code conv1d(padding=K-1)[..., :T]}
 * (cross-correlation: tap {@code K-1} multiplies the current input), optionally followed by SiLU.
 *
 * <p>The window holds the {@code K-1} inputs before the current call, oldest first, laid out
 * {@code window[j·C + c]}; zeros at the start of a sequence.
 */
public final class CausalConv1d {
    private CausalConv1d() {
    }

    /**
     * Channels {@code [c0, c1)} of a {@code T}-step call: {@code out[t·outStride + c] = act(Σ_j w[c·K + j] ·
     * in(t - (K-1) + j, c))}, reading inputs from {@code x[t·xStride + c]} and, before {@code t = 0}, from the
     * window; then shifts the last {@code K-1} inputs into the window. {@code out} must not alias {@code x}.
     */
    public static void forward(float[] x, int xStride, int T, int channels, int c0, int c1,
                               float[] w, int K, float[] window, boolean silu, float[] out, int outStride) {
        convolve(x, xStride, T, channels, c0, c1, w, K, window, silu, out, outStride);
        pushWindow(x, xStride, T, channels, c0, c1, K, window);
    }

    /** As {@link #forward} but leaves the window unchanged (for a call whose inputs may be taken back). */
    public static void convolve(float[] x, int xStride, int T, int channels, int c0, int c1,
                                float[] w, int K, float[] window, boolean silu, float[] out, int outStride) {
        int hist = K - 1;
        for (int c = c0; c < c1; c++) {
            int wOff = c * K;
            for (int t = 0; t < T; t++) {
                float acc = 0f;
                for (int j = 0; j < K; j++) {
                    int src = t - hist + j; // input time index; negative = window
                    float in = src >= 0 ? x[src * xStride + c] : window[(hist + src) * channels + c];
                    acc += w[wOff + j] * in;
                }
                out[t * outStride + c] = silu ? Activations.silu(acc) : acc;
            }
        }
    }

    /** Channels {@code [c0, c1)}: the window becomes the last {@code K-1} of (window ++ the {@code T} inputs). */
    public static void pushWindow(float[] x, int xStride, int T, int channels, int c0, int c1, int K, float[] window) {
        int hist = K - 1;
        for (int c = c0; c < c1; c++) {
            for (int j = 0; j < hist; j++) {
                int src = T - hist + j;
                window[j * channels + c] = src >= 0 ? x[src * xStride + c] : window[(hist + src) * channels + c];
            }
        }
    }
}
