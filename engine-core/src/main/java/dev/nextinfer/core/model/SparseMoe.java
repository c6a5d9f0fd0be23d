package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.MlpWeights;
import dev.nextinfer.core.weights.MoeWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.Matrix;
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
final class SparseMoe implements ChannelMixer {
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

    Routing route(ThreadPool pool, MatMulMode mode, float[] x, int T) {
        float[] logits = new float[T * experts];
        Linear.forward(pool, mode, w.gate(), x, T, logits);
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

    /**
     * {@code out[T][H] = moe(x[T][H])}. All active experts (and the shared expert) run their gate/up rows in one
     * parallel region and their down rows in a second one. {@code mode} picks the products' kernel: with
     * {@link MatMulMode#ROW_EXACT} (a batch of sequences) each token's result is the bits it gets alone, since
     * routing, expert products and the combination are all per token.
     */
    @Override
    public void forward(ThreadPool pool, MatMulMode mode, float[] x, int T, float[] out) {
        Routing routing = route(pool, mode, x, T);
        int[] count = new int[experts];
        for (int e : routing.expert) {
            count[e]++;
        }
        int active = 0;
        for (int c : count) {
            active += c > 0 ? 1 : 0;
        }
        int slots = active + (w.sharedExpert() != null ? 1 : 0);
        MlpWeights[] mlp = new MlpWeights[slots];
        float[][] in = new float[slots][];
        int[] n = new int[slots];
        int[] slotOf = new int[experts];
        int s = 0;
        for (int e = 0; e < experts; e++) {
            if (count[e] == 0) {
                continue;
            }
            slotOf[e] = s;
            mlp[s] = w.experts()[e];
            n[s] = count[e];
            in[s] = new float[count[e] * hidden];
            int m = 0;
            for (int t = 0; t < T; t++) { // the tokens that chose e, in order
                for (int i = 0; i < topK; i++) {
                    if (routing.expert[t * topK + i] == e) {
                        System.arraycopy(x, t * hidden, in[s], m++ * hidden, hidden);
                    }
                }
            }
            s++;
        }
        if (w.sharedExpert() != null) {
            mlp[s] = w.sharedExpert();
            in[s] = x;
            n[s] = T;
        }
        float[][] y = swiGluGrouped(pool, mode, mlp, in, n, slots);

        // combine: each token sums its experts in ascending expert id, then the gated shared expert
        Arrays.fill(out, 0, T * hidden, 0f);
        int[] cursor = new int[slots];
        for (int t = 0; t < T; t++) {
            for (int i = 0; i < topK; i++) {
                int slot = slotOf[routing.expert[t * topK + i]];
                VectorOps.axpy(routing.weight[t * topK + i], y[slot], cursor[slot]++ * hidden, out, t * hidden, hidden);
            }
        }
        if (w.sharedExpert() != null) {
            for (int t = 0; t < T; t++) {
                float gate = Activations.sigmoid(VectorOps.dot(w.sharedExpertGate(), 0, x, t * hidden, hidden));
                VectorOps.axpy(gate, y[slots - 1], t * hidden, out, t * hidden, hidden);
            }
        }
    }

    /** {@code y_s = down_s(silu(gate_s·x_s) ⊙ up_s·x_s)} for every slot, in two grouped regions. */
    private float[][] swiGluGrouped(ThreadPool pool, MatMulMode mode, MlpWeights[] mlp, float[][] in, int[] n, int slots) {
        Matrix[] gu = new Matrix[2 * slots];
        float[][] guIn = new float[2 * slots][];
        int[] guN = new int[2 * slots];
        float[][] guOut = new float[2 * slots][];
        for (int s = 0; s < slots; s++) {
            int inter = mlp[s].intermediateSize();
            gu[2 * s] = mlp[s].gateProj();
            gu[2 * s + 1] = mlp[s].upProj();
            guIn[2 * s] = guIn[2 * s + 1] = in[s];
            guN[2 * s] = guN[2 * s + 1] = n[s];
            guOut[2 * s] = new float[n[s] * inter];
            guOut[2 * s + 1] = new float[n[s] * inter];
        }
        GroupedLinear.forward(pool, mode, 2 * slots, gu, guIn, guN, guOut);
        Matrix[] down = new Matrix[slots];
        float[][] act = new float[slots][];
        float[][] y = new float[slots][];
        for (int s = 0; s < slots; s++) {
            Activations.swiglu(guOut[2 * s], 0, guOut[2 * s + 1], 0, guOut[2 * s].length);
            down[s] = mlp[s].downProj();
            act[s] = guOut[2 * s];
            y[s] = new float[n[s] * hidden];
        }
        GroupedLinear.forward(pool, mode, slots, down, act, n, y);
        return y;
    }
}
