package dev.nextinfer.core.spec;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.kernels.TopK;
import java.util.Arrays;

/**
 * How logits become the distribution tokens are drawn from: {@code softmax(logits / temperature)}, then optionally
 * restricted to the {@code topK} most likely tokens and to the smallest set whose mass reaches {@code topP}, and
 * renormalised. Temperature 0 means greedy (argmax). Speculative sampling applies the same transformation to the
 * main model's logits (p) and to the draft's (q), so it reproduces exactly the distribution defined here.
 *
 * @param temperature ≥ 0; 0 = greedy
 * @param topK        keep the k most likely tokens; 0 = all
 * @param topP        keep the smallest most-likely set with mass ≥ topP; 1 = all
 */
public record SamplingParams(double temperature, int topK, double topP) {
    /** Argmax decoding. */
    public static final SamplingParams GREEDY = new SamplingParams(0, 0, 1);

    /** Validates the parameters. */
    public SamplingParams {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new NextInferException("temperature must be a finite number ≥ 0, got " + temperature);
        }
        if (topK < 0) {
            throw new NextInferException("top-k must be ≥ 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new NextInferException("top-p must be in (0, 1], got " + topP);
        }
    }

    /** Plain sampling from {@code softmax(logits / temperature)}. */
    public static SamplingParams temperature(double temperature) {
        return new SamplingParams(temperature, 0, 1);
    }

    /** Whether this is argmax decoding. */
    public boolean greedy() {
        return temperature == 0;
    }

    /** The distribution over {@code logits[off .. off+vocab)} (not for greedy). */
    public float[] probabilities(float[] logits, int off, int vocab) {
        if (greedy()) {
            throw new IllegalStateException("greedy decoding has no sampling distribution");
        }
        float[] p = new float[vocab];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double inv = 1.0 / temperature;
        for (int i = 0; i < vocab; i++) {
            p[i] = (float) Math.exp((logits[off + i] - max) * inv);
        }
        if (topK > 0 && topK < vocab) {
            int[] keep = new int[topK];
            TopK.topK(p, 0, vocab, topK, keep);
            float[] kept = new float[vocab];
            for (int i : keep) {
                kept[i] = p[i];
            }
            p = kept;
        }
        normalise(p);
        if (topP < 1) {
            nucleus(p, topP);
            normalise(p);
        }
        return p;
    }

    /**
     * Zeroes all but the smallest most-likely set of mass ≥ {@code mass} (ties: lower token id first). That set
     * lies inside every upper set {@code {p ≥ τ}} holding ≥ {@code mass}; one pass sums the mass per binary
     * exponent to find such a τ (a power of two), so only the tokens above it are sorted (a full sort of a
     * 151,936-token vocabulary takes ~10 ms).
     */
    private static void nucleus(float[] p, double mass) {
        double[] perExponent = new double[256];
        for (float x : p) {
            if (x > 0) {
                perExponent[Float.floatToRawIntBits(x) >>> 23] += x;
            }
        }
        int e = 255;
        double above = 0;
        while (e > 0 && above + perExponent[e] < mass) {
            above += perExponent[e--];
        }
        float lo = e == 0 ? Float.MIN_VALUE : Float.intBitsToFloat(e << 23); // 2^(e − 127): the bucket's bottom
        int n = 0;
        for (float x : p) {
            n += x > 0 && x >= lo ? 1 : 0;
        }
        long[] order = new long[n]; // (probability bits, −id): ascending sort puts the most likely last
        int j = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0 && p[i] >= lo) {
                order[j++] = ((long) Float.floatToIntBits(p[i]) << 32) | (0xFFFFFFFFL & ~i);
            }
        }
        Arrays.sort(order);
        double cum = 0;
        int kept = 0;
        while (kept < n && cum < mass) {
            cum += Float.intBitsToFloat((int) (order[n - 1 - kept] >>> 32));
            kept++;
        }
        boolean[] keep = new boolean[p.length];
        for (int i = n - kept; i < n; i++) {
            keep[~(int) order[i]] = true;
        }
        for (int i = 0; i < p.length; i++) {
            if (!keep[i]) {
                p[i] = 0f;
            }
        }
    }

    private static void normalise(float[] p) {
        double sum = 0;
        for (float x : p) {
            sum += x;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < p.length; i++) {
            p[i] *= inv;
        }
    }
}
