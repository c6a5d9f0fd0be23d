package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.AttentionWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.GqaAttention;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.MatMulMode;
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
final class GatedAttention implements TokenMixer {
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

    /**
     * {@code out[T][H] = mixer(h[T][H])} for positions {@code cache.length() ..}, appending T positions to the cache;
     * {@code mode} picks the projections' kernel, {@code ws} holds the activations.
     */
    void forward(ThreadPool pool, MatMulMode mode, float[] h, int T, KvCache cache, float[] out, Workspace ws) {
        int start = cache.length();
        int[] positions = new int[T];
        for (int t = 0; t < T; t++) {
            positions[t] = start + t;
        }
        Projected p = project(pool, mode, h, T, positions, ws);
        cache.append(p.k, p.v, T);
        float[] attn = ws.floats(Workspace.Buffer.ATTN, T * nh * hd);
        VectorOps.scale(p.query, 0, T * nh * hd, scale);
        if (T == 1) {
            attendDecode(pool, p.query, new KvCache[] {cache}, 1, attn);
        } else {
            attendPrefill(pool, p.query, T, start, cache, attn);
        }
        output(pool, mode, attn, p.gate, T, out);
    }

    /**
     * One decode step of {@code B} sequences: row {@code b} of {@code h[B][H]} is the next token of the sequence
     * cached in {@code caches[b]} (its position is that cache's length), appended there. Projections through the
     * few-row kernel ({@link MatMulMode#ROW_EXACT}), attention per sequence as a single-token call does it, so
     * every row is, to the bit, what {@link #forward} gives that sequence alone.
     */
    void forwardBatch(ThreadPool pool, float[] h, int B, KvCache[] caches, float[] out, Workspace ws) {
        int kvWidth = nkv * hd;
        int[] positions = new int[B];
        for (int b = 0; b < B; b++) {
            positions[b] = caches[b].length();
        }
        Projected p = project(pool, MatMulMode.ROW_EXACT, h, B, positions, ws);
        for (int b = 0; b < B; b++) {
            caches[b].append(java.util.Arrays.copyOfRange(p.k, b * kvWidth, (b + 1) * kvWidth),
                    java.util.Arrays.copyOfRange(p.v, b * kvWidth, (b + 1) * kvWidth), 1);
        }
        float[] attn = ws.floats(Workspace.Buffer.ATTN, B * nh * hd);
        VectorOps.scale(p.query, 0, B * nh * hd, scale);
        attendDecode(pool, p.query, caches, B, attn);
        output(pool, MatMulMode.ROW_EXACT, attn, p.gate, B, out);
    }

    /** Per row: the normed, rotated query heads, the gate, and the normed, rotated key and value of the kv heads. */
    private record Projected(float[] query, float[] gate, float[] k, float[] v) {
    }

    /** Projections of {@code T} rows, row {@code t} at position {@code positions[t]}: q/k norms and RoPE applied. */
    private Projected project(ThreadPool pool, MatMulMode mode, float[] h, int T, int[] positions, Workspace ws) {
        int qWidth = 2 * nh * hd;
        int kvWidth = nkv * hd;
        float[] qg = ws.floats(Workspace.Buffer.QG, T * qWidth);
        float[] k = ws.floats(Workspace.Buffer.KEY, T * kvWidth);
        float[] v = ws.floats(Workspace.Buffer.VALUE, T * kvWidth);
        GroupedLinear.forward(pool, mode, 3, new Matrix[] {w.qProj(), w.kProj(), w.vProj()}, new float[][] {h, h, h},
                new int[] {T, T, T}, new float[][] {qg, k, v});

        float[] query = ws.floats(Workspace.Buffer.QUERY, T * nh * hd);
        float[] gate = ws.floats(Workspace.Buffer.GATE, T * nh * hd);
        int half = rope.rotaryDim() / 2;
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            float[] cos = new float[half];
            float[] sin = new float[half];
            for (int t = t0; t < t1; t++) {
                rotate(qg, query, gate, k, t, positions[t], cos, sin);
            }
        });
        return new Projected(query, gate, k, v);
    }

    /** Token {@code t}'s query heads and gate out of {@code qg}, its query and key heads normed and rotated. */
    private void rotate(float[] qg, float[] query, float[] gate, float[] k, int t, int position, float[] cos, float[] sin) {
        int qWidth = 2 * nh * hd;
        int kvWidth = nkv * hd;
        int half = cos.length;
        rope.angles(position, cos, sin);
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

    /** {@code out = o_proj(attn · sigmoid(gate))} over {@code T} rows. */
    private void output(ThreadPool pool, MatMulMode mode, float[] attn, float[] gate, int T, float[] out) {
        int width = nh * hd;
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            for (int i = t0 * width; i < t1 * width; i++) {
                attn[i] *= Activations.sigmoid(gate[i]);
            }
        });
        Linear.forward(pool, mode, w.oProj(), attn, T, out);
    }

    /** Cached positions per split of a single-token (decode) attention; fixed so results never depend on threads. */
    private static final int DECODE_SPLIT = 1024;
    /** Query tokens per task of a multi-token (prefill) attention. */
    private static final int PREFILL_TOKENS_PER_TASK = 8;

    /**
     * Single-token attention of {@code B} sequences in one parallel region: row {@code b} of the (already scaled)
     * {@code query} attends over all of {@code caches[b]}. Each sequence's cache is split into ranges of
     * {@value #DECODE_SPLIT} positions per kv head, merged in a fixed order, so the result depends neither on the
     * thread count nor on the other sequences.
     */
    private void attendDecode(ThreadPool pool, float[] query, KvCache[] caches, int B, float[] attn) {
        int group = nh / nkv;
        int[] splits = new int[B];
        int[] firstUnit = new int[B + 1];
        for (int b = 0; b < B; b++) {
            splits[b] = (caches[b].length() + DECODE_SPLIT - 1) / DECODE_SPLIT;
            firstUnit[b + 1] = firstUnit[b] + nkv * splits[b];
        }
        GqaAttention.State[] parts = new GqaAttention.State[firstUnit[B]];
        pool.parallelFor(firstUnit[B], 1, (u0, u1) -> {
            int b = 0;
            for (int u = u0; u < u1; u++) {
                while (u >= firstUnit[b + 1]) {
                    b++;
                }
                int len = caches[b].length();
                int local = u - firstUnit[b];
                int h = local / splits[b];
                int s = local % splits[b];
                int[] limit = new int[group];
                java.util.Arrays.fill(limit, len);
                GqaAttention.State st = new GqaAttention.State(group, hd);
                GqaAttention.accumulate(caches[b], h, query, (b * nh + h * group) * hd, hd, limit,
                        s * DECODE_SPLIT, Math.min(len, (s + 1) * DECODE_SPLIT), st);
                parts[u] = st;
            }
        });
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < nkv; h++) {
                int first = firstUnit[b] + h * splits[b];
                for (int s = 1; s < splits[b]; s++) {
                    GqaAttention.merge(parts[first], parts[first + s]);
                }
                GqaAttention.finish(parts[first], attn, (b * nh + h * group) * hd, hd);
            }
        }
    }

    /**
     * {@code attn[t][i] = softmax(query[t][i]·Kᵀ/√hd) V} with the keys of kv head {@code i / group}, causal, for
     * {@code T > 1} tokens of one sequence (query already scaled). Each task handles one kv head and all the query
     * heads that share it.
     */
    private void attendPrefill(ThreadPool pool, float[] query, int T, int start, KvCache cache, float[] attn) {
        int group = nh / nkv;
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
