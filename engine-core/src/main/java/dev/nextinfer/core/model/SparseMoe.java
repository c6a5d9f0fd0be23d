package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.MoeWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.Softmax;
import dev.nextinfer.kernels.ThreadPool;
import dev.nextinfer.kernels.TopK;
import dev.nextinfer.kernels.VectorOps;
import java.util.Arrays;

/**
 * Sparse MoE block ({@code Qwen3NextSparseMoeBlock}): softmax router over all experts, top-k, optional
 * renormalisation, SwiGLU experts, plus a shared expert scaled by {@code sigmoid(shared_expert_gate·x)}. Tokens
 * are grouped by expert so each expert's weights are read once per call; each token sums its experts in
 * ascending expert id, so results do not depend on how a sequence is split into calls.
 */
final class SparseMoe {
    private final MoeWeights w;
    private final int hidden;
    private final int experts;
    private final int topK;
    private final boolean normTopk;

    SparseMoe(Qwen3NextConfig cfg, MoeWeights w) {
        this.w = w;
        this.hidden = cfg.hiddenSize();
        this.experts = cfg.numExperts();
        this.topK = cfg.numExpertsPerTok();
        this.normTopk = cfg.normTopkProb();
    }

    /** Routing of {@code T} tokens: {@code expert[t·k + i]} with weight {@code weight[t·k + i]}. */
    record Routing(int[] expert, float[] weight) {
    }

    Routing route(ThreadPool pool, float[] x, int T) {
        float[] logits = new float[T * experts];
        Linear.forward(pool, w.gate(), x, T, logits);
        int[] idx = new int[T * topK];
        float[] weight = new float[T * topK];
        int[] sel = new int[topK];
        for (int t = 0; t < T; t++) {
            Softmax.softmax(logits, t * experts, experts);
            TopK.topK(logits, t * experts, experts, topK, sel);
            Arrays.sort(sel); // ascending expert id: the summation order
            float sum = 0f;
            for (int i = 0; i < topK; i++) {
                sum += logits[t * experts + sel[i]];
            }
            for (int i = 0; i < topK; i++) {
                idx[t * topK + i] = sel[i];
                float p = logits[t * experts + sel[i]];
                weight[t * topK + i] = normTopk ? p / sum : p;
            }
        }
        return new Routing(idx, weight);
    }

    /** {@code out[T][H] = moe(x[T][H])}. */
    void forward(ThreadPool pool, float[] x, int T, float[] out) {
        Routing routing = route(pool, x, T);
        // per expert: the tokens that chose it
        int[] count = new int[experts];
        for (int e : routing.expert) {
            count[e]++;
        }
        float[][] expertOut = new float[experts][];
        int[][] tokensOf = new int[experts][];
        for (int e = 0; e < experts; e++) {
            if (count[e] == 0) {
                continue;
            }
            int[] tokens = new int[count[e]];
            int n = 0;
            for (int t = 0; t < T; t++) {
                for (int i = 0; i < topK; i++) {
                    if (routing.expert[t * topK + i] == e) {
                        tokens[n++] = t;
                    }
                }
            }
            float[] xe = new float[n * hidden];
            for (int m = 0; m < n; m++) {
                System.arraycopy(x, tokens[m] * hidden, xe, m * hidden, hidden);
            }
            float[] ye = new float[n * hidden];
            FeedForward.forward(pool, w.experts()[e], xe, n, ye);
            expertOut[e] = ye;
            tokensOf[e] = tokens;
        }
        // combine in ascending expert id per token
        Arrays.fill(out, 0, T * hidden, 0f);
        int[] cursor = new int[experts];
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < topK; i++) {
                int e = routing.expert[t * topK + i];
                int m = cursor[e]++;
                VectorOps.axpy(routing.weight[t * topK + i], expertOut[e], m * hidden, out, t * hidden, hidden);
            }
        }
        if (w.sharedExpert() != null) {
            float[] shared = new float[T * hidden];
            FeedForward.forward(pool, w.sharedExpert(), x, T, shared);
            for (int t = 0; t < T; t++) {
                float gate = Activations.sigmoid(VectorOps.dot(w.sharedExpertGate(), 0, x, t * hidden, hidden));
                VectorOps.axpy(gate, shared, t * hidden, out, t * hidden, hidden);
            }
        }
    }
}
