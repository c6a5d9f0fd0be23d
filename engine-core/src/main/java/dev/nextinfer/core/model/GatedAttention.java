package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.AttentionWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.GqaAttention;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.Norms;
import dev.nextinfer.kernels.Rope;
import dev.nextinfer.kernels.ThreadPool;
import dev.nextinfer.kernels.VectorOps;

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
        attend(pool, query, T, start, cache, attn);
        for (int i = 0; i < T * nh * hd; i++) {
            attn[i] *= Activations.sigmoid(gate[i]);
        }
        Linear.forward(pool, w.oProj(), attn, T, out);
    }

    /** Cached positions per split of a single-token (decode) attention; fixed so results never depend on threads. */
    private static final int DECODE_SPLIT = 1024;
    /** Query tokens per task of a multi-token (prefill) attention. */
    private static final int PREFILL_TOKENS_PER_TASK = 8;

    /**
     * {@code attn[t][i] = softmax(query[t][i]·Kᵀ/√hd) V} with the keys of kv head {@code i / group}, causal.
     * Each task handles one kv head and all the query heads that share it.
     */
    private void attend(ThreadPool pool, float[] query, int T, int start, KvCache cache, float[] attn) {
        int group = nh / nkv;
        VectorOps.scale(query, 0, T * nh * hd, scale);
        int len = start + T;
        if (T == 1) {
            int splits = (len + DECODE_SPLIT - 1) / DECODE_SPLIT;
            int[] limit = new int[group];
            java.util.Arrays.fill(limit, len);
            GqaAttention.State[] parts = new GqaAttention.State[nkv * splits];
            pool.parallelFor(nkv * splits, 1, (u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    int h = u / splits;
                    int s = u % splits;
                    GqaAttention.State st = new GqaAttention.State(group, hd);
                    GqaAttention.accumulate(cache, h, query, h * group * hd, hd, limit,
                            s * DECODE_SPLIT, Math.min(len, (s + 1) * DECODE_SPLIT), st);
                    parts[u] = st;
                }
            });
            for (int h = 0; h < nkv; h++) {
                for (int s = 1; s < splits; s++) {
                    GqaAttention.merge(parts[h * splits], parts[h * splits + s]);
                }
                GqaAttention.finish(parts[h * splits], attn, h * group * hd, hd);
            }
            return;
        }
        int blocks = (T + PREFILL_TOKENS_PER_TASK - 1) / PREFILL_TOKENS_PER_TASK;
        pool.parallelFor(nkv * blocks, 1, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int h = u / blocks;
                int t0 = (u % blocks) * PREFILL_TOKENS_PER_TASK;
                int t1 = Math.min(T, t0 + PREFILL_TOKENS_PER_TASK);
                int rows = (t1 - t0) * group;
                float[] q = new float[rows * hd];
                int[] limit = new int[rows];
                for (int t = t0; t < t1; t++) {
                    for (int g = 0; g < group; g++) {
                        int r = (t - t0) * group + g;
                        System.arraycopy(query, (t * nh + h * group + g) * hd, q, r * hd, hd);
                        limit[r] = start + t + 1;
                    }
                }
                GqaAttention.State st = new GqaAttention.State(rows, hd);
                GqaAttention.accumulate(cache, h, q, 0, hd, limit, 0, start + t1, st);
                float[] o = new float[rows * hd];
                GqaAttention.finish(st, o, 0, hd);
                for (int t = t0; t < t1; t++) {
                    System.arraycopy(o, (t - t0) * group * hd, attn, (t * nh + h * group) * hd, group * hd);
                }
            }
        });
    }
}
