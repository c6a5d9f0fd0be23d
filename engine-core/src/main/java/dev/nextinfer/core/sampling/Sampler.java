package dev.nextinfer.core.sampling;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.kernels.TopK;
import dev.nextinfer.kernels.VectorOps;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Chooses the next token from logits. Two steps, kept apart so speculative decoding can apply the very same
 * transform to draft and target logits: {@link #distribution} (penalties → temperature → softmax → top-k → top-p →
 * min-p → renormalise) and {@link #draw} (inverse-CDF sampling with this sampler's seeded generator). Greedy
 * configs take the argmax of the penalised logits and never touch the generator.
 */
public final class Sampler {
    private final GenerationConfig cfg;
    private final SplittableRandom random;

    /** A sampler for {@code cfg}; its generator is seeded by {@code cfg.seed()} (or randomly). */
    public Sampler(GenerationConfig cfg) {
        this.cfg = cfg;
        this.random = cfg.seed() != null ? new SplittableRandom(cfg.seed()) : new SplittableRandom();
    }

    /** The config. */
    public GenerationConfig config() {
        return cfg;
    }

    /**
     * Picks a token. {@code context} holds the prompt and generated ids (for the repetition penalty) and
     * {@code generated} only the generated ones (presence and frequency penalties); {@code logits} is not modified.
     */
    public int next(float[] logits, int[] context, int contextLength, int[] generated, int generatedLength) {
        float[] l = penalised(logits, context, contextLength, generated, generatedLength);
        if (cfg.isGreedy()) {
            return VectorOps.argmax(l, 0, l.length);
        }
        return draw(distributionOf(l));
    }

    /** The sampling distribution for these logits (penalties applied); for greedy, a one-hot vector. */
    public float[] distribution(float[] logits, int[] context, int contextLength, int[] generated, int generatedLength) {
        float[] l = penalised(logits, context, contextLength, generated, generatedLength);
        if (cfg.isGreedy()) {
            float[] p = new float[l.length];
            p[VectorOps.argmax(l, 0, l.length)] = 1f;
            return p;
        }
        return distributionOf(l);
    }

    /** Draws an index from {@code p} (which sums to 1) with this sampler's generator. */
    public int draw(float[] p) {
        double u = random.nextDouble();
        double c = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                c += p[i];
                last = i;
                if (u < c) {
                    return i;
                }
            }
        }
        return last; // rounding left u just above the total
    }

    /** A uniform draw in [0, 1) from this sampler's generator (speculative acceptance tests). */
    public double uniform() {
        return random.nextDouble();
    }

    private float[] penalised(float[] logits, int[] context, int contextLength, int[] generated, int generatedLength) {
        float[] l = logits.clone();
        if (cfg.repetitionPenalty() != 1.0 && contextLength > 0) {
            boolean[] seen = new boolean[l.length];
            float rp = (float) cfg.repetitionPenalty();
            for (int i = 0; i < contextLength; i++) {
                int t = context[i];
                if (t >= 0 && t < l.length && !seen[t]) {
                    seen[t] = true;
                    l[t] = l[t] > 0 ? l[t] / rp : l[t] * rp;
                }
            }
        }
        if (cfg.presencePenalty() != 0 && generatedLength > 0) {
            boolean[] seen = new boolean[l.length];
            float pp = (float) cfg.presencePenalty();
            for (int i = 0; i < generatedLength; i++) {
                int t = generated[i];
                if (t >= 0 && t < l.length && !seen[t]) {
                    seen[t] = true;
                    l[t] -= pp;
                }
            }
        }
        if (cfg.frequencyPenalty() != 0) {
            float fp = (float) cfg.frequencyPenalty();
            for (int i = 0; i < generatedLength; i++) { // once per occurrence: count × penalty
                int t = generated[i];
                if (t >= 0 && t < l.length) {
                    l[t] -= fp;
                }
            }
        }
        return l;
    }

    /**
     * The tokens that can survive filtering, most likely first (ties: lower id first): the top-k when set, else
     * every token within a factor 1e-12 of the most likely one — the rest cannot change a top-p cut unless the
     * candidates hold less than top-p of the mass, in which case all tokens are sorted.
     */
    private int[] candidates(float[] logits, double[] p) {
        int n = p.length;
        if (cfg.topK() > 0 && cfg.topK() < n) {
            int[] idx = new int[cfg.topK()];
            TopK.topK(logits, 0, n, cfg.topK(), idx); // logits order = probability order
            return idx;
        }
        double pMax = 0;
        for (double v : p) {
            pMax = Math.max(pMax, v);
        }
        double floor = pMax * 1e-12;
        int count = 0;
        double mass = 0;
        for (int i = 0; i < n; i++) {
            if (p[i] >= floor) {
                count++;
                mass += p[i];
            }
        }
        boolean all = mass < cfg.topP();
        Integer[] order = new Integer[all ? n : count];
        int m = 0;
        for (int i = 0; i < n; i++) {
            if (all || p[i] >= floor) {
                order[m++] = i;
            }
        }
        Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b));
        int[] out = new int[order.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = order[i];
        }
        return out;
    }

    /** temperature → softmax → top-k → top-p → min-p → renormalise. */
    private float[] distributionOf(float[] logits) {
        int n = logits.length;
        double invT = 1.0 / cfg.temperature();
        float max = Float.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[i] - max) * invT);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) {
            p[i] /= sum;
        }
        boolean filter = (cfg.topK() > 0 && cfg.topK() < n) || cfg.topP() < 1.0 || cfg.minP() > 0;
        if (filter) {
            int[] order = candidates(logits, p);
            int keep = order.length;
            if (cfg.topP() < 1.0) {
                double c = 0;
                for (int i = 0; i < keep; i++) {
                    c += p[order[i]];
                    if (c >= cfg.topP()) {
                        keep = i + 1;
                        break;
                    }
                }
            }
            if (cfg.minP() > 0) {
                double threshold = cfg.minP() * p[order[0]];
                int k = 1;
                while (k < keep && p[order[k]] >= threshold) {
                    k++;
                }
                keep = k;
            }
            double[] q = new double[n];
            sum = 0;
            for (int i = 0; i < keep; i++) {
                q[order[i]] = p[order[i]];
                sum += p[order[i]];
            }
            for (int i = 0; i < n; i++) {
                p[i] = q[i] / sum;
            }
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) p[i];
        }
        return out;
    }
}
