package dev.nextinfer.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Depthwise causal convolution with a carried window, as PyTorch's {@code conv1d(padding=K-1)[..., :T]}
 * (cross-correlation: tap {@code K-1} multiplies the current input), optionally followed by SiLU.
 *
 * <p>The window holds the {@code K-1} inputs before the current call, oldest first, laid out
 * {@code window[j·C + c]}; zeros at the start of a sequence.
 */
public final class CausalConv1d {
    private static final VectorSpecies<Float> F = Simd.F;
    /** From this many time steps the taps are transposed for the vector loop (a prefill); fewer run a scalar loop. */
    static final int VECTOR_STEPS = 8;

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

    /**
     * As {@link #forward} but leaves the window unchanged (for a call whose inputs may be taken back). Time steps
     * outer and channels inner, from {@link #VECTOR_STEPS} steps a vector of channels at a time (a decode step's
     * single step runs the same sums in scalar code): the inputs of a step are one contiguous row, where a
     * channel-outer loop read every row once per channel (a prefill's {@code T × 8192} projections a column at a
     * time: 6% of a 512-token prefill). Each output is still {@code ((0 + w₀·in₀) + w₁·in₁) + …}, multiplies and adds
     * rounded separately in tap order, so the bits are the channel-at-a-time loop's.
     */
    public static void convolve(float[] x, int xStride, int T, int channels, int c0, int c1,
                                float[] w, int K, float[] window, boolean silu, float[] out, int outStride) {
        int hist = K - 1;
        int width = c1 - c0;
        if (T == 1) {
            decodeStep(x, channels, c0, c1, w, K, window, silu, out);
            return;
        }
        boolean vectors = T >= VECTOR_STEPS;
        float[] taps = vectors ? transposedTaps(w, K, c0, c1) : null;
        int vectorEnd = vectors ? c0 + F.loopBound(width) : c0;
        for (int t = 0; t < T; t++) {
            int o = t * outStride;
            int c = c0;
            for (; c < vectorEnd; c += F.length()) {
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < K; j++) {
                    int src = t - hist + j; // input time index; negative = window
                    FloatVector in = src >= 0 ? FloatVector.fromArray(F, x, src * xStride + c)
                            : FloatVector.fromArray(F, window, (hist + src) * channels + c);
                    acc = acc.add(FloatVector.fromArray(F, taps, j * width + c - c0).mul(in));
                }
                acc.intoArray(out, o + c);
            }
            for (; c < c1; c++) {
                float acc = 0f;
                for (int j = 0; j < K; j++) {
                    int src = t - hist + j;
                    float in = src >= 0 ? x[src * xStride + c] : window[(hist + src) * channels + c];
                    acc += w[c * K + j] * in;
                }
                out[o + c] = acc;
            }
            if (silu) {
                Activations.silu(out, o + c0, width);
            }
        }
    }

    /**
     * A decode step's single time step: the window's rows, then the input, with no per-tap test of where the input
     * comes from (the general loop's test cost ~6 ns per channel: 50 µs of a DeltaNet layer's 8192 channels). The
     * same products and sums in the same order, so the same bits.
     */
    private static void decodeStep(float[] x, int channels, int c0, int c1, float[] w, int K, float[] window, boolean silu,
                                   float[] out) {
        int hist = K - 1;
        for (int c = c0; c < c1; c++) {
            int t = c * K;
            float acc = 0f;
            for (int j = 0; j < hist; j++) {
                acc += w[t + j] * window[j * channels + c];
            }
            acc += w[t + hist] * x[c];
            out[c] = acc;
        }
        if (silu) {
            Activations.silu(out, c0, c1 - c0);
        }
    }

    /** Channels {@code [c0, c1)}'s taps as {@code [j][c − c0]}: a vector of channels reads its taps contiguously. */
    private static float[] transposedTaps(float[] w, int K, int c0, int c1) {
        int width = c1 - c0;
        float[] taps = new float[K * width];
        for (int c = c0; c < c1; c++) {
            for (int j = 0; j < K; j++) {
                taps[j * width + c - c0] = w[c * K + j];
            }
        }
        return taps;
    }

    /** Channels {@code [c0, c1)}: the window becomes the last {@code K-1} of (window ++ the {@code T} inputs). */
    public static void pushWindow(float[] x, int xStride, int T, int channels, int c0, int c1, int K, float[] window) {
        int hist = K - 1;
        for (int j = 0; j < hist; j++) { // oldest first, so a row is read (hist + src > j) before it is overwritten
            int src = T - hist + j;
            if (src >= 0) {
                System.arraycopy(x, src * xStride + c0, window, j * channels + c0, c1 - c0);
            } else {
                System.arraycopy(window, (hist + src) * channels + c0, window, j * channels + c0, c1 - c0);
            }
        }
    }
}
