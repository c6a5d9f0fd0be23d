package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.DeltaNetWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.CausalConv1d;
import dev.nextinfer.kernels.DeltaRule;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.Norms;
import dev.nextinfer.kernels.ThreadPool;
import dev.nextinfer.kernels.VectorOps;

/**
 * Gated DeltaNet token mixer ({@code linear_attn}), as {@code Qwen3NextGatedDeltaNet}:
 *
 * <pre>
 *   q,k,v,z = in_proj_qkvz(h)  (grouped per key head)      b,a = in_proj_ba(h)
 *   q,k,v   = silu(causal_conv1d([q|k|v]))                 β = sigmoid(b),  g = −e^A_log · softplus(a + dt_bias)
 *   q,k     = l2norm(q), l2norm(k);  q /= √dk
 *   o       = delta_rule(q, k, v, g, β)  (value head j reads key head j / r)
 *   out     = out_proj(rmsnorm(o) · norm.weight · silu(z))
 * </pre>
 *
 * {@link #forward} continues the state (multi-token calls use the chunked rule, chunk 64; single tokens the
 * recurrent rule). {@link #forwardDeferred} (speculative verification) reads the state without writing it and
 * returns the {@link DeltaNetUpdate} that commits any prefix of its tokens. {@link #forwardBatch} steps several
 * sequences by one token each.
 */
final class GatedDeltaNet implements TokenMixer {
    static final int CHUNK = 64;
    private static final float L2_EPS = 1e-6f;

    private final DeltaNetWeights w;
    private final DeltaNetShape shape;
    private final int hidden;
    private final int nk;
    private final int nv;
    private final int dk;
    private final int dv;
    private final int r;
    private final int kernel;
    private final int convDim;
    private final int qkvzDim;
    private final float eps;

    GatedDeltaNet(Qwen3NextConfig cfg, DeltaNetWeights w) {
        this.w = w;
        this.shape = DeltaNetShape.of(cfg);
        this.hidden = cfg.hiddenSize();
        this.nk = shape.nk();
        this.nv = shape.nv();
        this.dk = shape.dk();
        this.dv = shape.dv();
        this.r = shape.r();
        this.kernel = shape.kernel();
        this.convDim = shape.convDim();
        this.qkvzDim = cfg.linearQkvzDim();
        this.eps = (float) cfg.rmsNormEps();
    }

    /**
     * {@code out[T][H] = mixer(h[T][H])}, advancing {@code state} by T tokens: the recurrent rule for a single
     * token, the chunked rule for more. The activations live in {@code ws}.
     */
    void forward(ThreadPool pool, float[] h, int T, DeltaNetState state, float[] out, Workspace ws) {
        Projected p = project(pool, MatMulMode.FASTEST, h, T, ws, ws);
        float[] conv = ws.floats(Workspace.Buffer.CONV_OUT, T * convDim);
        pool.parallelFor(convDim, 256, (c0, c1) ->
                CausalConv1d.forward(p.mixed, convDim, T, convDim, c0, c1, w.conv1d(), kernel, state.convWindow, true, conv, convDim));
        normalizeQk(pool, conv, T);
        float[] core = ws.floats(Workspace.Buffer.CORE, T * nv * dv);
        pool.parallelFor(nv, 1, (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                DeltaRule.Inputs in = head(conv, p, 0, j);
                DeltaRule.State S = headState(state, j);
                DeltaRule.Strided o = new DeltaRule.Strided(core, j * dv, nv * dv);
                if (T == 1) {
                    DeltaRule.recurrent(1, in, S, o);
                } else {
                    DeltaRule.chunked(T, in, S, o, CHUNK);
                }
            }
        });
        output(pool, MatMulMode.FASTEST, core, p.z, T, out);
    }

    /**
     * {@code out[T][H] = mixer(h[T][H])} from {@code state} without changing it ({@code T ≤ }{@value #CHUNK}); the
     * returned update advances it past any prefix of the T tokens. This is a speculative verification: each row's
     * products are computed as its own mat-vec would ({@link MatMulMode#ROW_EXACT}), like a batched step. The
     * arrays the update keeps are allocated anew; the others live in {@code ws}.
     */
    DeltaNetUpdate forwardDeferred(ThreadPool pool, float[] h, int T, DeltaNetState state, float[] out, Workspace ws) {
        if (T > CHUNK) {
            throw new IllegalArgumentException("a deferred DeltaNet call covers one chunk: " + T + " > " + CHUNK + " tokens");
        }
        Projected p = project(pool, MatMulMode.ROW_EXACT, h, T, ws, Workspace.fresh());
        float[] conv = new float[T * convDim];
        pool.parallelFor(convDim, 256, (c0, c1) ->
                CausalConv1d.convolve(p.mixed, convDim, T, convDim, c0, c1, w.conv1d(), kernel, state.convWindow, true, conv, convDim));
        normalizeQk(pool, conv, T);
        float[] core = ws.floats(Workspace.Buffer.CORE, T * nv * dv);
        float[] gc = new float[nv * T];
        float[] vNew = new float[nv * T * dv];
        pool.parallelFor(nv, 1, (j0, j1) -> {
            for (int j = j0; j < j1; j++) { // outputs from the untouched state; S moves only on commit
                DeltaRule.chunk(T, head(conv, p, 0, j), headState(state, j), new DeltaRule.Strided(core, j * dv, nv * dv),
                        new DeltaRule.Carry(gc, j * T, vNew, j * T * dv));
            }
        });
        output(pool, MatMulMode.ROW_EXACT, core, p.z, T, out);
        return new DeltaNetUpdate(state, shape, T, p.mixed, conv, gc, vNew);
    }

    /**
     * One decode step of {@code B} sequences at once: row {@code b} of {@code h[B][H]} is the next token of the
     * sequence whose state is {@code states[b]}, which advances by one token. The projections read each weight once
     * for all rows through the few-row kernel ({@link MatMulMode#ROW_EXACT}); the conv and the recurrent delta rule
     * run per sequence; so every row is, to the bit, what {@link #forward} gives that sequence alone.
     */
    void forwardBatch(ThreadPool pool, float[] h, int B, DeltaNetState[] states, float[] out, Workspace ws) {
        Projected p = project(pool, MatMulMode.ROW_EXACT, h, B, ws, ws);
        // each sequence's conv row on its own window: the single-token call a sequence makes alone
        float[][] in = new float[B][];
        float[][] o = new float[B][];
        for (int b = 0; b < B; b++) {
            in[b] = java.util.Arrays.copyOfRange(p.mixed, b * convDim, (b + 1) * convDim);
            o[b] = new float[convDim];
        }
        pool.parallelFor(B * convDim, 256, (i0, i1) -> {
            for (int b = i0 / convDim; b * convDim < i1; b++) {
                int c0 = Math.max(i0, b * convDim) - b * convDim;
                int c1 = Math.min(i1, (b + 1) * convDim) - b * convDim;
                CausalConv1d.forward(in[b], convDim, 1, convDim, c0, c1, w.conv1d(), kernel, states[b].convWindow, true, o[b], convDim);
            }
        });
        float[] conv = ws.floats(Workspace.Buffer.CONV_OUT, B * convDim);
        for (int b = 0; b < B; b++) {
            System.arraycopy(o[b], 0, conv, b * convDim, convDim);
        }
        normalizeQk(pool, conv, B);
        float[] core = ws.floats(Workspace.Buffer.CORE, B * nv * dv);
        pool.parallelFor(B * nv, 1, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int b = u / nv;
                int j = u % nv;
                DeltaRule.recurrent(1, head(conv, p, b, j), headState(states[b], j),
                        new DeltaRule.Strided(core, b * nv * dv + j * dv, nv * dv));
            }
        });
        output(pool, MatMulMode.ROW_EXACT, core, p.z, B, out);
    }

    /**
     * Value head {@code j}'s delta-rule inputs from row {@code b} on: q, k (of key head {@code j / r}) and v in the
     * conv output rows, g and β in the projections, token after token.
     */
    private DeltaRule.Inputs head(float[] conv, Projected p, int b, int j) {
        int row = b * convDim;
        int hk = j / r;
        return DeltaRule.Inputs.of(conv, row + shape.qOff(hk), row + shape.kOff(hk), row + shape.vOff(j), convDim,
                p.g, p.beta, b * nv + j, nv);
    }

    /** Value head {@code j}'s {@code S} in {@code state}. */
    private DeltaRule.State headState(DeltaNetState state, int j) {
        return new DeltaRule.State(state.recurrent, j * dk * dv, dk, dv);
    }

    /** The projections of {@code T} rows, un-grouped: conv input {@code [q | k | v]} per row, and z, β, g. */
    private record Projected(float[] mixed, float[] z, float[] beta, float[] g) {
    }

    /** {@code kept} holds the conv input, which a deferred call's update keeps; {@code ws} the rest. */
    private Projected project(ThreadPool pool, MatMulMode mode, float[] h, int T, Workspace ws, Workspace kept) {
        float[] qkvz = ws.floats(Workspace.Buffer.QKVZ, T * qkvzDim);
        float[] ba = ws.floats(Workspace.Buffer.BA, T * 2 * nv);
        GroupedLinear.forward(pool, mode, 2, new Matrix[] {w.inProjQkvz(), w.inProjBa()}, new float[][] {h, h},
                new int[] {T, T}, new float[][] {qkvz, ba});

        // un-group into the conv input [q_all | k_all | v_all] and the bypassing z, b, a
        float[] mixed = kept.floats(Workspace.Buffer.CONV_IN, T * convDim);
        float[] z = ws.floats(Workspace.Buffer.Z, T * nv * dv);
        float[] beta = ws.floats(Workspace.Buffer.BETA, T * nv);
        float[] g = ws.floats(Workspace.Buffer.G, T * nv);
        int group = 2 * dk + 2 * r * dv;
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int src = t * qkvzDim;
                int dst = t * convDim;
                for (int hk = 0; hk < nk; hk++) {
                    int base = src + hk * group;
                    System.arraycopy(qkvz, base, mixed, dst + hk * dk, dk);
                    System.arraycopy(qkvz, base + dk, mixed, dst + nk * dk + hk * dk, dk);
                    for (int jj = 0; jj < r; jj++) {
                        int j = hk * r + jj;
                        System.arraycopy(qkvz, base + 2 * dk + jj * dv, mixed, dst + 2 * nk * dk + j * dv, dv);
                        System.arraycopy(qkvz, base + 2 * dk + r * dv + jj * dv, z, t * nv * dv + j * dv, dv);
                        float b = ba[t * 2 * nv + hk * 2 * r + jj];
                        float a = ba[t * 2 * nv + hk * 2 * r + r + jj];
                        beta[t * nv + j] = Activations.sigmoid(b);
                        g[t * nv + j] = (float) (-Math.exp(w.aLog()[j]) * Activations.softplus(a + w.dtBias()[j]));
                    }
                }
            }
        });
        return new Projected(mixed, z, beta, g);
    }

    /** l2-normalises q and k per head of each of the {@code T} conv output rows; folds the 1/√dk scale into q. */
    private void normalizeQk(ThreadPool pool, float[] conv, int T) {
        float scale = (float) (1.0 / Math.sqrt(dk));
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                for (int hk = 0; hk < nk; hk++) {
                    int q = t * convDim + hk * dk;
                    int k = t * convDim + nk * dk + hk * dk;
                    Norms.l2Normalize(conv, q, dk, L2_EPS);
                    VectorOps.scale(conv, q, dk, scale);
                    Norms.l2Normalize(conv, k, dk, L2_EPS);
                }
            }
        });
    }

    /** Gated RMSNorm per value head of the delta rule's output {@code core[T][nv·dv]}, then out_proj into {@code out}. */
    private void output(ThreadPool pool, MatMulMode mode, float[] core, float[] z, int T, float[] out) {
        pool.parallelFor(T, DecoderLayer.TOKENS_PER_TASK, (t0, t1) -> {
            float[] gate = new float[dv];
            for (int t = t0; t < t1; t++) {
                for (int j = 0; j < nv; j++) {
                    int o = t * nv * dv + j * dv;
                    Norms.rmsNormGated(core, o, w.norm(), z, o, eps, core, o, dv, gate);
                }
            }
        });
        Linear.forward(pool, mode, w.outProj(), core, T, out);
    }

    int hidden() {
        return hidden;
    }
}
