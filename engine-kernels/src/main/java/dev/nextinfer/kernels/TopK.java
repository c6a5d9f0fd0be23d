package dev.nextinfer.kernels;

/** Selection of the k largest values. */
public final class TopK {
    private TopK() {
    }

    /**
     * Writes the indices of the {@code k} largest values of {@code x[off .. off+n)} into {@code idx}, largest
     * first; equal values keep the lower index first.
     */
    public static void topK(float[] x, int off, int n, int k, int[] idx) {
        if (k > n) {
            throw new IllegalArgumentException("k = " + k + " > n = " + n);
        }
        int filled = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (filled == k && !(v > x[off + idx[k - 1]])) {
                continue;
            }
            int pos = filled < k ? filled++ : k - 1;
            // insertion: move smaller entries down; an equal entry stays ahead (lower index first)
            while (pos > 0 && v > x[off + idx[pos - 1]]) {
                idx[pos] = idx[pos - 1];
                pos--;
            }
            idx[pos] = i;
        }
    }
}
