package dev.nextinfer.core.sampling;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.kernels.TopK;
import java.util.Arrays;

/**
 * How logits become the distribution a token is drawn from — the one transform both plain sampling
 * ({@link Sampler}) and speculative sampling use, so the speculative path reproduces exactly the plain
 * distribution: {@code softmax(logits / temperature)} → keep the {@code topK} most likely → keep the smallest
 * most-likely set whose mass reaches {@code topP} → drop tokens below {@code minP} × the most likely one →
 * renormalise. Each filter sees the distribution renormalised after the previous one, as Hugging Face's logits
 * warpers do. Ties go to the lower token id. Temperature 0 means greedy (argmax), which has no distribution.
 *
 * @param temperature ≥ 0; 0 = greedy
 * @param topK        keep the k most likely tokens; 0 = all
 * @param topP        keep the smallest most-likely set with mass ≥ topP; 1 = all
 * @param minP        drop tokens less likely than minP × the most likely one; 0 = none
 */
public record SamplingTransform(double temperature, int topK, double topP, double minP) {
    /** Argmax decoding. */
    public static final SamplingTransform GREEDY = new SamplingTransform(0, 0, 1, 0);

    /** Validates the parameters. */
    public SamplingTransform {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new NextInferException("temperature must be a finite number ≥ 0, got " + temperature);
        }
        if (topK < 0) {
            throw new NextInferException("top-k must be ≥ 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new NextInferException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new NextInferException("min-p must be in [0, 1], got " + minP);
        }
    }

    /** The transform of a generation config (greedy when its temperature is 0). */
    public static SamplingTransform of(GenerationConfig cfg) {
        return cfg.isGreedy() ? GREEDY : new SamplingTransform(cfg.temperature(), cfg.topK(), cfg.topP(), cfg.minP());
    }

    /** Plain sampling from {@code softmax(logits / temperature)}. */
    public static SamplingTransform temperature(double temperature) {
        return new SamplingTransform(temperature, 0, 1, 0);
    }

    /** Whether this is argmax decoding. */
    public boolean greedy() {
        return temperature == 0;
    }

    /** The distribution over {@code logits[off .. off + n)} (not for greedy). */
    public float[] probabilities(float[] logits, int off, int n) {
        if (greedy()) {
            throw new IllegalStateException("greedy decoding has no sampling distribution");
        }
        double[] p = new double[n];
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double invT = 1.0 / temperature;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[off + i] - max) * invT);
        }
        normalise(p);
        if (topK > 0 && topK < n) {
            int[] keep = new int[topK];
            TopK.topK(logits, off, n, topK, keep); // logit order is probability order
            double[] kept = new double[n];
            for (int i : keep) {
                kept[i] = p[i];
            }
            p = kept;
            normalise(p);
        }
        if (topP < 1) {
            nucleus(p, topP);
            normalise(p);
        }
        if (minP > 0) {
            double top = 0;
            for (double v : p) {
                top = Math.max(top, v);
            }
            double threshold = minP * top;
            for (int i = 0; i < n; i++) {
                if (p[i] < threshold) {
                    p[i] = 0;
                }
            }
            normalise(p);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) p[i];
        }
        return out;
    }

    /**
     * Zeroes all but the smallest most-likely set of mass ≥ {@code mass} (ties: lower token id first). That set
     * lies inside every upper set {@code {p ≥ τ}} holding ≥ {@code mass}; one pass sums the mass per binary
     * exponent to find such a τ (a power of two), so only the tokens above it are sorted (a full sort of a
     * 151,936-token vocabulary takes ~10 ms).
     */
    private static void nucleus(double[] p, double mass) {
        double[] perExponent = new double[2048];
        for (double x : p) {
            if (x > 0) {
                perExponent[(int) (Double.doubleToRawLongBits(x) >>> 52)] += x;
            }
        }
        int e = perExponent.length - 1;
        double above = 0;
        while (e > 0 && above + perExponent[e] < mass) {
            above += perExponent[e--];
        }
        double lo = e == 0 ? Double.MIN_VALUE : Double.longBitsToDouble((long) e << 52); // the bucket's bottom
        int n = 0;
        for (double x : p) {
            n += x > 0 && x >= lo ? 1 : 0;
        }
        int[] order = new int[n];
        int j = 0;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0 && p[i] >= lo) {
                order[j++] = i;
            }
        }
        // most likely first, ties by id
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) {
            boxed[i] = order[i];
        }
        Arrays.sort(boxed, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        double cum = 0;
        int kept = 0;
        while (kept < n && cum < mass) {
            cum += p[boxed[kept]];
            kept++;
        }
        boolean[] keep = new boolean[p.length];
        for (int i = 0; i < kept; i++) {
            keep[boxed[i]] = true;
        }
        for (int i = 0; i < p.length; i++) {
            if (!keep[i]) {
                p[i] = 0;
            }
        }
    }

    private static void normalise(double[] p) {
        double sum = 0;
        for (double x : p) {
            sum += x;
        }
        double inv = 1.0 / sum;
        for (int i = 0; i < p.length; i++) {
            p[i] *= inv;
        }
    }
}
