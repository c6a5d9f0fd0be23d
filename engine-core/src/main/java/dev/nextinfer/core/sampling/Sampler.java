package dev.nextinfer.core.sampling;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.kernels.VectorOps;
import java.util.SplittableRandom;

/**
 * Chooses the next token from logits: penalties (repetition, presence, frequency), then the
 * {@link SamplingTransform} (temperature → softmax → top-k → top-p → min-p, the same transform speculative sampling
 * applies to draft and target logits), then {@link #draw} (inverse-CDF sampling with this sampler's seeded
 * generator). Greedy configs take the argmax of the penalised logits and never touch the generator.
 */
public final class Sampler {
    private final GenerationConfig cfg;
    private final SamplingTransform transform;
    private final SplittableRandom random;

    /** A sampler for {@code cfg}; its generator is seeded by {@code cfg.seed()} (or randomly). */
    public Sampler(GenerationConfig cfg) {
        this.cfg = cfg;
        this.transform = SamplingTransform.of(cfg);
        this.random = cfg.seed() != null ? new SplittableRandom(cfg.seed()) : new SplittableRandom();
    }

    /** The config. */
    public GenerationConfig config() {
        return cfg;
    }

    /** The transform from (penalised) logits to the sampling distribution. */
    public SamplingTransform transform() {
        return transform;
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
        return draw(transform.probabilities(l, 0, l.length));
    }

    /** The sampling distribution for these logits (penalties applied); for greedy, a one-hot vector. */
    public float[] distribution(float[] logits, int[] context, int contextLength, int[] generated, int generatedLength) {
        float[] l = penalised(logits, context, contextLength, generated, generatedLength);
        if (cfg.isGreedy()) {
            float[] p = new float[l.length];
            p[VectorOps.argmax(l, 0, l.length)] = 1f;
            return p;
        }
        return transform.probabilities(l, 0, l.length);
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
        boolean penalties = cfg.repetitionPenalty() != 1.0 || cfg.presencePenalty() != 0 || cfg.frequencyPenalty() != 0;
        if (!penalties) {
            return logits; // nothing to change: no copy (greedy decoding takes the argmax of the logits as they are)
        }
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
}
