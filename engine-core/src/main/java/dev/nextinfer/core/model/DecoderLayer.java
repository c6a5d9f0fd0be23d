package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.LayerWeights;
import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.Norms;
import dev.nextinfer.kernels.Rope;
import dev.nextinfer.kernels.ThreadPool;
import dev.nextinfer.kernels.VectorOps;

/**
 * One pre-norm decoder layer:
 *
 * <pre>
 *   x += mixer(input_layernorm(x))            mixer = Gated DeltaNet or gated attention
 *   x += ffn(post_attention_layernorm(x))     ffn = sparse MoE or dense MLP
 * </pre>
 */
final class DecoderLayer {
    /**
     * Tokens per task of the per-token work between the products (norms, the un-grouping of projections, the MoE's
     * gather and combine): in parallel for a prefill chunk (on one thread it was ~7% of a prefill, the other threads
     * waiting), on the calling thread for a decode step's few rows.
     */
    static final int TOKENS_PER_TASK = 16;

    private final LayerWeights w;
    private final int hidden;
    private final float eps;
    private final TokenMixer mixer;
    private final ChannelMixer ffn;

    DecoderLayer(Qwen3NextConfig cfg, LayerWeights w, Rope rope, float ropeFactor) {
        this.w = w;
        this.hidden = cfg.hiddenSize();
        this.eps = (float) cfg.rmsNormEps();
        this.mixer = w.linearAttn() != null
                ? new GatedDeltaNet(cfg, w.linearAttn())
                : new GatedAttention(cfg, w.selfAttn(), rope, ropeFactor);
        this.ffn = w.moe() != null ? new SparseMoe(cfg, w.moe()) : new FeedForward(w.mlp());
    }

    /** The gated attention mixer, or null for a DeltaNet layer (tests). */
    GatedAttention selfAttn() {
        return mixer instanceof GatedAttention a ? a : null;
    }

    /**
     * Updates the residual stream {@code x[T][H]} in place, advancing {@code state} (this layer's kind: a
     * {@link DeltaNetState} or a {@link KvCache}) past the T positions; the activations live in {@code ws}.
     */
    void forward(ThreadPool pool, float[] x, int T, LayerState state, Workspace ws) {
        float[] h = ws.floats(Workspace.Buffer.NORMED, T * hidden);
        float[] mix = ws.floats(Workspace.Buffer.MIX, T * hidden);
        inputNorm(pool, x, T, h);
        switch (mixer) {
            case GatedDeltaNet d -> d.forward(pool, h, T, (DeltaNetState) state, mix, ws);
            case GatedAttention a -> a.forward(pool, MatMulMode.FASTEST, h, T, (KvCache) state, mix, ws);
        }
        VectorOps.add(x, 0, mix, 0, T * hidden);
        ffn(pool, MatMulMode.FASTEST, x, T, h, mix, ws);
    }

    /**
     * As {@link #forward} for a speculative verification: a DeltaNet layer leaves its state as it is, an attention
     * layer appends to its cache as usual, and either returns the update that keeps any prefix of the T positions.
     * The products run the few-row kernel ({@link MatMulMode#ROW_EXACT}), which widens each weight once for the
     * few tokens.
     */
    LayerUpdate forwardSpeculative(ThreadPool pool, float[] x, int T, LayerState state, Workspace ws) {
        float[] h = ws.floats(Workspace.Buffer.NORMED, T * hidden);
        float[] mix = ws.floats(Workspace.Buffer.MIX, T * hidden);
        inputNorm(pool, x, T, h);
        LayerUpdate update = switch (mixer) {
            case GatedDeltaNet d -> d.forwardDeferred(pool, h, T, (DeltaNetState) state, mix, ws);
            case GatedAttention a -> {
                KvCache cache = (KvCache) state;
                int start = cache.length();
                a.forward(pool, MatMulMode.ROW_EXACT, h, T, cache, mix, ws);
                yield new LayerUpdate.KvAppend(cache, start);
            }
        };
        VectorOps.add(x, 0, mix, 0, T * hidden);
        ffn(pool, MatMulMode.ROW_EXACT, x, T, h, mix, ws);
        return update;
    }

    /**
     * One decode step of {@code B} sequences: row {@code b} of the residual stream {@code x[B][H]} belongs to the
     * sequence whose state for this layer is {@code states[b]}, and is updated in place to the bits a
     * single-sequence {@link #forward} gives it.
     */
    void forwardBatch(ThreadPool pool, float[] x, int B, LayerState[] states, Workspace ws) {
        float[] h = ws.floats(Workspace.Buffer.NORMED, B * hidden);
        float[] mix = ws.floats(Workspace.Buffer.MIX, B * hidden);
        inputNorm(pool, x, B, h);
        switch (mixer) {
            case GatedDeltaNet d -> d.forwardBatch(pool, h, B, java.util.Arrays.copyOf(states, B, DeltaNetState[].class), mix, ws);
            case GatedAttention a -> a.forwardBatch(pool, h, B, java.util.Arrays.copyOf(states, B, KvCache[].class), mix, ws);
        }
        VectorOps.add(x, 0, mix, 0, B * hidden);
        ffn(pool, MatMulMode.ROW_EXACT, x, B, h, mix, ws);
    }

    private void inputNorm(ThreadPool pool, float[] x, int T, float[] h) {
        norm(pool, x, T, w.inputLayernorm(), h);
    }

    /** {@code h[t] = rmsnorm(x[t]) · (1 + weight)} for every token. */
    private void norm(ThreadPool pool, float[] x, int T, float[] weight, float[] h) {
        pool.parallelFor(T, TOKENS_PER_TASK, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                Norms.rmsNormZeroCentred(x, t * hidden, weight, eps, h, t * hidden, hidden);
            }
        });
    }

    /** {@code x += ffn(post_attention_layernorm(x))}, with {@code h} and {@code mix} as scratch of {@code T·H}. */
    private void ffn(ThreadPool pool, MatMulMode mode, float[] x, int T, float[] h, float[] mix, Workspace ws) {
        norm(pool, x, T, w.postAttentionLayernorm(), h);
        ffn.forward(pool, mode, h, T, mix, ws);
        VectorOps.add(x, 0, mix, 0, T * hidden);
    }
}
