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

    Routing route(ThreadPool pool, MatMulMode mode, float[] x, int T, Workspace ws) {
        float[] logits = ws.floats(Workspace.Buffer.ROUTER, T * experts);
        Linear.forward(pool, mode, w.gate(), x, T, logits);
        int[] idx = new int[T * topK];
        float[] weight = new float[T * topK];
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            int[] sel = new int[topK];
            for (int t = t0; t < t1; t++) {
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
        });
        return new Routing(idx, weight);
    }

    /**
     * {@code out[T][H] = moe(x[T][H])}. All active experts (and the shared expert) run their gate/up rows in one
     * parallel region and their down rows in a second one. {@code mode} picks the products' kernel: with
     * {@link MatMulMode#ROW_EXACT} (a batch of sequences) each token's result is the bits it gets alone, since
     * routing, expert products and the combination are all per token. The experts' rows lie one after the other in
     * the workspace's arrays: slot {@code s} (an active expert in ascending id, then the shared expert) from row
     * {@code first[s]}.
     */
    @Override
    public void forward(ThreadPool pool, MatMulMode mode, float[] x, int T, float[] out, Workspace ws) {
        Routing routing = route(pool, mode, x, T, ws);
        int[] count = new int[experts];
        for (int e : routing.expert) {
            count[e]++;
        }
        int active = 0;
        for (int c : count) {
            active += c > 0 ? 1 : 0;
        }
        boolean shared = w.sharedExpert() != null;
        int slots = active + (shared ? 1 : 0);
        MlpWeights[] mlp = new MlpWeights[slots];
        int[] first = new int[slots + 1];
        int[] slotOf = new int[experts];
        int s = 0;
        for (int e = 0; e < experts; e++) {
            if (count[e] > 0) {
                slotOf[e] = s;
                mlp[s] = w.experts()[e];
                first[s + 1] = first[s] + count[e];
                s++;
            }
        }
        // row[t·k + i]: where token t's input to its i-th expert goes, each expert's tokens in order
        int[] row = new int[T * topK];
        int[] cursor = Arrays.copyOf(first, slots);
        for (int u = 0; u < T * topK; u++) {
            row[u] = cursor[slotOf[routing.expert[u]]]++;
        }
        float[] in = ws.floats(Workspace.Buffer.EXPERT_IN, first[active] * hidden);
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            for (int u = t0 * topK; u < t1 * topK; u++) {
                System.arraycopy(x, u / topK * hidden, in, row[u] * hidden, hidden);
            }
        });
        if (shared) {
            mlp[s] = w.sharedExpert();
            first[s + 1] = first[s] + T;
        }
        float[] y = swiGluGrouped(pool, mode, mlp, in, x, T, first, slots, shared, ws);

        // combine: each token sums its experts in ascending expert id, then the gated shared expert
        int sharedRow = shared ? first[slots - 1] : 0;
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            Arrays.fill(out, t0 * hidden, t1 * hidden, 0f);
            for (int t = t0; t < t1; t++) {
                for (int i = 0; i < topK; i++) {
                    VectorOps.axpy(routing.weight[t * topK + i], y, row[t * topK + i] * hidden, out, t * hidden, hidden);
                }
                if (shared) {
                    float gate = Activations.sigmoid(VectorOps.dot(w.sharedExpertGate(), 0, x, t * hidden, hidden));
                    VectorOps.axpy(gate, y, (sharedRow + t) * hidden, out, t * hidden, hidden);
                }
            }
        });
    }

    /**
     * {@code y_s = down_s(silu(gate_s·x_s) ⊙ up_s·x_s)} for every slot, in two grouped regions: the routed experts'
     * rows from {@code in}, the shared expert's ({@code shared}, the last slot) straight from {@code x}. Returns the
     * array holding slot {@code s}'s outputs from row {@code first[s]}.
     */
    private float[] swiGluGrouped(ThreadPool pool, MatMulMode mode, MlpWeights[] mlp, float[] in, float[] x, int T, int[] first,
                                  int slots, boolean shared, Workspace ws) {
        int rows = first[slots];
        int inter = 0;
        for (int s = 0; s < slots; s++) {
            inter = Math.max(inter, mlp[s].intermediateSize());
        }
        // one row stride for every slot: the shared expert's intermediate size may differ from the experts'
        float[] gate = ws.floats(Workspace.Buffer.FFN_GATE, rows * inter);
        float[] up = ws.floats(Workspace.Buffer.FFN_UP, rows * inter);
        Matrix[] gu = new Matrix[2 * slots];
        float[][] guIn = new float[2 * slots][];
        int[] guInOff = new int[2 * slots];
        int[] guN = new int[2 * slots];
        float[][] guOut = new float[2 * slots][];
        int[] guOutOff = new int[2 * slots];
        for (int s = 0; s < slots; s++) {
            boolean fromX = shared && s == slots - 1;
            gu[2 * s] = mlp[s].gateProj();
            gu[2 * s + 1] = mlp[s].upProj();
            guIn[2 * s] = guIn[2 * s + 1] = fromX ? x : in;
            guInOff[2 * s] = guInOff[2 * s + 1] = fromX ? 0 : first[s] * hidden;
            guN[2 * s] = guN[2 * s + 1] = first[s + 1] - first[s];
            guOut[2 * s] = gate;
            guOut[2 * s + 1] = up;
            guOutOff[2 * s] = guOutOff[2 * s + 1] = first[s] * inter;
        }
        GroupedLinear.forward(pool, mode, 2 * slots, gu, guIn, guInOff, guN, guOut, guOutOff);
        Matrix[] down = new Matrix[slots];
        float[][] act = new float[slots][];
        int[] actOff = new int[slots];
        int[] n = new int[slots];
        float[] y = ws.floats(Workspace.Buffer.EXPERT_OUT, rows * hidden);
        float[][] ys = new float[slots][];
        int[] yOff = new int[slots];
        int stride = inter;
        pool.parallelFor(slots, T > DecoderLayer.TOKENS_PER_TASK ? 1 : slots, (s0, s1) -> { // a decode step's tokens: inline
            for (int s = s0; s < s1; s++) {
                // the intermediate values of a slot whose size is below the stride are packed at its first row's start
                Activations.swiglu(gate, first[s] * stride, up, first[s] * stride, (first[s + 1] - first[s]) * mlp[s].intermediateSize());
            }
        });
        for (int s = 0; s < slots; s++) {
            n[s] = first[s + 1] - first[s];
            down[s] = mlp[s].downProj();
            act[s] = gate;
            actOff[s] = first[s] * inter;
            ys[s] = y;
            yOff[s] = first[s] * hidden;
        }
        GroupedLinear.forward(pool, mode, slots, down, act, actOff, n, ys, yOff);
        return y;
    }
}
