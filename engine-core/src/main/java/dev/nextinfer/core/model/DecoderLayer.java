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
    private final LayerWeights w;
    private final int hidden;
    private final float eps;
    private final GatedDeltaNet linearAttn;
    private final GatedAttention selfAttn;
    private final SparseMoe moe;

    DecoderLayer(Qwen3NextConfig cfg, LayerWeights w, Rope rope, float ropeFactor) {
        this.w = w;
        this.hidden = cfg.hiddenSize();
        this.eps = (float) cfg.rmsNormEps();
        this.linearAttn = w.linearAttn() != null ? new GatedDeltaNet(cfg, w.linearAttn()) : null;
        this.selfAttn = w.selfAttn() != null ? new GatedAttention(cfg, w.selfAttn(), rope, ropeFactor) : null;
        this.moe = w.moe() != null ? new SparseMoe(cfg, w.moe()) : null;
    }

    /** The gated attention mixer, or null for a DeltaNet layer (tests). */
    GatedAttention selfAttn() {
        return selfAttn;
    }

    /** Updates the residual stream {@code x[T][H]} in place. Exactly one of the two states is used. */
    void forward(ThreadPool pool, float[] x, int T, DeltaNetState linearState, KvCache cache) {
        forward(pool, x, T, linearState, cache, false);
    }

    /**
     * As {@link #forward(ThreadPool, float[], int, DeltaNetState, KvCache)}; when {@code deferDeltaNet}, a DeltaNet
     * layer leaves its state as it is and returns the update (attention layers append to their cache as usual).
     * A deferred call is a speculative verification: its products run the few-row kernel ({@link
     * MatMulMode#ROW_EXACT}), which widens each weight once for the few tokens.
     */
    DeltaNetUpdate forward(ThreadPool pool, float[] x, int T, DeltaNetState linearState, KvCache cache, boolean deferDeltaNet) {
        MatMulMode mode = deferDeltaNet ? MatMulMode.ROW_EXACT : MatMulMode.FASTEST;
        DeltaNetUpdate update = null;
        float[] h = new float[T * hidden];
        float[] mix = new float[T * hidden];
        inputNorm(x, T, h);
        if (linearAttn != null && deferDeltaNet) {
            update = linearAttn.forwardDeferred(pool, h, T, linearState, mix);
        } else if (linearAttn != null) {
            linearAttn.forward(pool, h, T, linearState, mix);
        } else {
            selfAttn.forward(pool, mode, h, T, cache, mix);
        }
        VectorOps.add(x, 0, mix, 0, T * hidden);
        ffn(pool, mode, x, T, h, mix);
        return update;
    }

    /**
     * One decode step of {@code B} sequences: row {@code b} of the residual stream {@code x[B][H]} belongs to the
     * sequence with DeltaNet state {@code linear[b]} or KV cache {@code caches[b]} (whichever this layer uses), and
     * is updated in place to the bits a single-sequence {@link #forward} gives it.
     */
    void forwardBatch(ThreadPool pool, float[] x, int B, DeltaNetState[] linear, KvCache[] caches) {
        float[] h = new float[B * hidden];
        float[] mix = new float[B * hidden];
        inputNorm(x, B, h);
        if (linearAttn != null) {
            linearAttn.forwardBatch(pool, h, B, linear, mix);
        } else {
            selfAttn.forwardBatch(pool, h, B, caches, mix);
        }
        VectorOps.add(x, 0, mix, 0, B * hidden);
        ffn(pool, MatMulMode.ROW_EXACT, x, B, h, mix);
    }

    private void inputNorm(float[] x, int T, float[] h) {
        for (int t = 0; t < T; t++) {
            Norms.rmsNormZeroCentred(x, t * hidden, w.inputLayernorm(), eps, h, t * hidden, hidden);
        }
    }

    /** {@code x += ffn(post_attention_layernorm(x))}, with {@code h} and {@code mix} as scratch of {@code T·H}. */
    private void ffn(ThreadPool pool, MatMulMode mode, float[] x, int T, float[] h, float[] mix) {
        for (int t = 0; t < T; t++) {
            Norms.rmsNormZeroCentred(x, t * hidden, w.postAttentionLayernorm(), eps, h, t * hidden, hidden);
        }
        if (moe != null) {
            moe.forward(pool, mode, h, T, mix);
        } else {
            FeedForward.forward(pool, mode, w.mlp(), h, T, mix);
        }
        VectorOps.add(x, 0, mix, 0, T * hidden);
    }
}
