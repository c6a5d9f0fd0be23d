package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.AttentionWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.Attention;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.Norms;
import dev.nextinfer.kernels.Rope;
import dev.nextinfer.kernels.ThreadPool;

/**
 * Gated full attention ({@code self_attn}), as {@code Qwen3NextAttention}:
 *
 * <pre>
 *   [query | gate] = q_proj(h) per head;  k = k_proj(h);  v = v_proj(h)
 *   query = rope(q_norm(query));  k = rope(k_norm(k))     (rotate-half on the first rotaryDim dims)
 *   o = softmax(query·Kᵀ / √hd) V   (causal; query head i reads kv head i / (nh/nkv))
 *   out = o_proj(o · sigmoid(gate))
 * </pre>
 */
final class GatedAttention {
    private final AttentionWeights w;
    private final int nh;
    private final int nkv;
    private final int hd;
    private final float eps;
    private final float scale;
    private final Rope rope;
    private final float ropeFactor;

    GatedAttention(Qwen3NextConfig cfg, AttentionWeights w, Rope rope, float ropeFactor) {
        this.w = w;
        this.nh = cfg.numAttentionHeads();
        this.nkv = cfg.numKeyValueHeads();
        this.hd = cfg.headDim();
        this.eps = (float) cfg.rmsNormEps();
        this.scale = (float) (1.0 / Math.sqrt(hd));
        this.rope = rope;
        this.ropeFactor = ropeFactor;
    }

    /** {@code out[T][H] = mixer(h[T][H])} for positions {@code cache.length() ..}, appending T positions to the cache. */
    void forward(ThreadPool pool, float[] h, int T, KvCache cache, float[] out) {
        int qWidth = 2 * nh * hd;
        int kvWidth = nkv * hd;
        float[] qg = new float[T * qWidth];
        float[] k = new float[T * kvWidth];
        float[] v = new float[T * kvWidth];
        GroupedLinear.forward(pool, 3, new Matrix[] {w.qProj(), w.kProj(), w.vProj()}, new float[][] {h, h, h},
                new int[] {T, T, T}, new float[][] {qg, k, v});

        int start = cache.length();
        float[] query = new float[T * nh * hd];
        float[] gate = new float[T * nh * hd];
        int half = rope.rotaryDim() / 2;
        float[] cos = new float[half];
        float[] sin = new float[half];
        for (int t = 0; t < T; t++) {
            rope.angles(start + t, cos, sin);
            if (ropeFactor != 1f) {
                for (int d = 0; d < half; d++) {
                    cos[d] *= ropeFactor;
                    sin[d] *= ropeFactor;
                }
            }
            for (int i = 0; i < nh; i++) {
                int q = (t * nh + i) * hd;
                System.arraycopy(qg, t * qWidth + i * 2 * hd, query, q, hd);
                System.arraycopy(qg, t * qWidth + i * 2 * hd + hd, gate, q, hd);
                Norms.rmsNormZeroCentred(query, q, w.qNorm(), eps, query, q, hd);
                rope.rotate(query, q, cos, sin);
            }
            for (int i = 0; i < nkv; i++) {
                int kk = t * kvWidth + i * hd;
                Norms.rmsNormZeroCentred(k, kk, w.kNorm(), eps, k, kk, hd);
                rope.rotate(k, kk, cos, sin);
            }
        }
        cache.append(k, v, T);

        float[] attn = new float[T * nh * hd];
        int group = nh / nkv;
        float[] keys = cache.keys();
        float[] values = cache.values();
        pool.parallelFor(T * nh, 1, (u0, u1) -> {
            float[] scores = new float[start + T];
            for (int u = u0; u < u1; u++) {
                int t = u / nh;
                int i = u % nh;
                int kvHead = i / group;
                int o = (t * nh + i) * hd;
                Attention.attend(query, o, keys, kvHead * hd, kvWidth, values, kvHead * hd, kvWidth,
                        start + t + 1, hd, scale, attn, o, scores);
                for (int d = 0; d < hd; d++) {
                    attn[o + d] *= Activations.sigmoid(gate[o + d]);
                }
            }
        });
        Linear.forward(pool, w.oProj(), attn, T, out);
    }
}
