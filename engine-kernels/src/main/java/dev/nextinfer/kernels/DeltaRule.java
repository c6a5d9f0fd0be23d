package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/**
 * The gated delta rule of Gated DeltaNet for one head, with state {@code S[dk][dv]} (row-major, key dimension
 * first). Per token, with decay {@code g ≤ 0} (log space), gate {@code β}, and q, k already l2-normalised (q
 * also scaled by {@code 1/√dk}):
 *
 * <pre>
 *   S ← S · e^g
 *   S ← S + k ⊗ β(v − Sᵀk)        (the delta rule: write v at key k, replacing what k retrieved)
 *   o = Sᵀq
 * </pre>
 *
 * {@link #recurrent} applies this token by token; {@link #chunked} computes the same thing over chunks with the
 * WY representation (mostly matrix–matrix work), as {@code torch_chunk_gated_delta_rule} in transformers.
 *
 * <p>Inputs are {@link Strided} views so callers can pass slices of larger activation buffers: token {@code t} of
 * q lives at {@code q.a()[q.at(t) ..]}, and so on ({@link Inputs}); one head's {@code S} is a {@link State}.
 */
public final class DeltaRule {
    private DeltaRule() {
    }

    /** A strided run in a float array: token {@code t}'s vector (or scalar) starts at {@code a[off + t·stride]}. */
    public record Strided(float[] a, int off, int stride) {
        /** Where token {@code t} starts. */
        public int at(int t) {
            return off + t * stride;
        }

        /** The same run from token {@code t} on. */
        public Strided from(int t) {
            return new Strided(a, at(t), stride);
        }
    }

    /** One head's inputs per token: q and k ({@code dk} each), v ({@code dv}), the log decay g and the gate β. */
    public record Inputs(Strided q, Strided k, Strided v, Strided g, Strided beta) {
        /**
         * Gated DeltaNet's layout: q, k and v in rows of one buffer ({@code qkvStride} apart, at {@code qOff},
         * {@code kOff}, {@code vOff}), g and β in two buffers sharing offset and stride.
         */
        public static Inputs of(float[] qkv, int qOff, int kOff, int vOff, int qkvStride,
                                float[] g, float[] beta, int gOff, int gStride) {
            return new Inputs(new Strided(qkv, qOff, qkvStride), new Strided(qkv, kOff, qkvStride),
                    new Strided(qkv, vOff, qkvStride), new Strided(g, gOff, gStride), new Strided(beta, gOff, gStride));
        }

        /** The same inputs from token {@code t} on. */
        public Inputs from(int t) {
            return new Inputs(q.from(t), k.from(t), v.from(t), g.from(t), beta.from(t));
        }
    }

    /** One head's state {@code S[dk][dv]} (row-major, key dimension first) at {@code S[off ..]}. */
    public record State(float[] S, int off, int dk, int dv) {
    }

    /**
     * What {@link #chunk} leaves for {@link #advance}: per token {@code i} the cumulative log decay
     * {@code gc[gcOff + i]} and the corrected value {@code vNew[vNewOff + i·dv ..]}.
     */
    public record Carry(float[] gc, int gcOff, float[] vNew, int vNewOff) {
    }

    /**
     * One token of the recurrent rule; updates {@code S} in place and writes {@code out[outOff .. +dv)}. Every column
     * d of the rule is independent of the others ({@code (Sᵀk)[d]} reads column d only), so the state is swept one
     * block of columns at a time, the block's {@code Sᵀk}, {@code β(v − Sᵀk)} and {@code Sᵀq} held in registers:
     * two passes over S per token (decay and {@code Sᵀk}; update and {@code Sᵀq}), no other memory traffic. Per
     * element, in key order: {@code s = s·e^g; m = fma(s, k_i, m)}, then {@code δ = β(v − m)}, then
     * {@code s = fma(δ, k_i, s); o = fma(s, q_i, o)} — lanes and scalar tail alike, so the bits do not depend on the
     * vector width.
     */
    public static void recurrentStep(float[] S, int sOff, int dk, int dv,
                                     float[] q, int qOff, float[] k, int kOff, float[] v, int vOff,
                                     float g, float beta, float[] out, int outOff) {
        float decay = (float) Math.exp(g);
        int lanes = F.length();
        int d = 0;
        for (; d + 8 * lanes <= dv; d += 8 * lanes) {
            columns8(S, sOff + d, dk, dv, q, qOff, k, kOff, v, vOff + d, decay, beta, out, outOff + d);
        }
        for (; d + lanes <= dv; d += lanes) {
            columns1(S, sOff + d, dk, dv, q, qOff, k, kOff, v, vOff + d, decay, beta, out, outOff + d);
        }
        for (; d < dv; d++) {
            float m = 0f;
            for (int i = 0; i < dk; i++) {
                int at = sOff + i * dv + d;
                S[at] *= decay;
                m = Math.fma(S[at], k[kOff + i], m);
            }
            float delta = beta * (v[vOff + d] - m);
            float o = 0f;
            for (int i = 0; i < dk; i++) {
                int at = sOff + i * dv + d;
                S[at] = Math.fma(delta, k[kOff + i], S[at]);
                o = Math.fma(S[at], q[qOff + i], o);
            }
            out[outOff + d] = o;
        }
    }

    /** {@link #recurrentStep} for the {@code 8·lanes} columns at {@code S[s0 + i·dv ..]}: 8 sums in registers per pass. */
    private static void columns8(float[] S, int s0, int dk, int dv, float[] q, int qOff, float[] k, int kOff,
                                 float[] v, int v0, float decay, float beta, float[] out, int o0) {
        int l = F.length();
        FloatVector m0 = FloatVector.zero(F), m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0;
        for (int i = 0; i < dk; i++) {
            int r = s0 + i * dv;
            FloatVector ki = FloatVector.broadcast(F, k[kOff + i]);
            FloatVector a0 = FloatVector.fromArray(F, S, r).mul(decay);
            FloatVector a1 = FloatVector.fromArray(F, S, r + l).mul(decay);
            FloatVector a2 = FloatVector.fromArray(F, S, r + 2 * l).mul(decay);
            FloatVector a3 = FloatVector.fromArray(F, S, r + 3 * l).mul(decay);
            FloatVector a4 = FloatVector.fromArray(F, S, r + 4 * l).mul(decay);
            FloatVector a5 = FloatVector.fromArray(F, S, r + 5 * l).mul(decay);
            FloatVector a6 = FloatVector.fromArray(F, S, r + 6 * l).mul(decay);
            FloatVector a7 = FloatVector.fromArray(F, S, r + 7 * l).mul(decay);
            a0.intoArray(S, r);
            a1.intoArray(S, r + l);
            a2.intoArray(S, r + 2 * l);
            a3.intoArray(S, r + 3 * l);
            a4.intoArray(S, r + 4 * l);
            a5.intoArray(S, r + 5 * l);
            a6.intoArray(S, r + 6 * l);
            a7.intoArray(S, r + 7 * l);
            m0 = a0.fma(ki, m0);
            m1 = a1.fma(ki, m1);
            m2 = a2.fma(ki, m2);
            m3 = a3.fma(ki, m3);
            m4 = a4.fma(ki, m4);
            m5 = a5.fma(ki, m5);
            m6 = a6.fma(ki, m6);
            m7 = a7.fma(ki, m7);
        }
        // δ = β(v − m), then the same registers accumulate o
        m0 = FloatVector.fromArray(F, v, v0).sub(m0).mul(beta);
        m1 = FloatVector.fromArray(F, v, v0 + l).sub(m1).mul(beta);
        m2 = FloatVector.fromArray(F, v, v0 + 2 * l).sub(m2).mul(beta);
        m3 = FloatVector.fromArray(F, v, v0 + 3 * l).sub(m3).mul(beta);
        m4 = FloatVector.fromArray(F, v, v0 + 4 * l).sub(m4).mul(beta);
        m5 = FloatVector.fromArray(F, v, v0 + 5 * l).sub(m5).mul(beta);
        m6 = FloatVector.fromArray(F, v, v0 + 6 * l).sub(m6).mul(beta);
        m7 = FloatVector.fromArray(F, v, v0 + 7 * l).sub(m7).mul(beta);
        FloatVector o0v = FloatVector.zero(F), o1 = o0v, o2 = o0v, o3 = o0v, o4 = o0v, o5 = o0v, o6 = o0v, o7 = o0v;
        for (int i = 0; i < dk; i++) {
            int r = s0 + i * dv;
            FloatVector ki = FloatVector.broadcast(F, k[kOff + i]);
            FloatVector qi = FloatVector.broadcast(F, q[qOff + i]);
            FloatVector a0 = m0.fma(ki, FloatVector.fromArray(F, S, r));
            FloatVector a1 = m1.fma(ki, FloatVector.fromArray(F, S, r + l));
            FloatVector a2 = m2.fma(ki, FloatVector.fromArray(F, S, r + 2 * l));
            FloatVector a3 = m3.fma(ki, FloatVector.fromArray(F, S, r + 3 * l));
            FloatVector a4 = m4.fma(ki, FloatVector.fromArray(F, S, r + 4 * l));
            FloatVector a5 = m5.fma(ki, FloatVector.fromArray(F, S, r + 5 * l));
            FloatVector a6 = m6.fma(ki, FloatVector.fromArray(F, S, r + 6 * l));
            FloatVector a7 = m7.fma(ki, FloatVector.fromArray(F, S, r + 7 * l));
            a0.intoArray(S, r);
            a1.intoArray(S, r + l);
            a2.intoArray(S, r + 2 * l);
            a3.intoArray(S, r + 3 * l);
            a4.intoArray(S, r + 4 * l);
            a5.intoArray(S, r + 5 * l);
            a6.intoArray(S, r + 6 * l);
            a7.intoArray(S, r + 7 * l);
            o0v = a0.fma(qi, o0v);
            o1 = a1.fma(qi, o1);
            o2 = a2.fma(qi, o2);
            o3 = a3.fma(qi, o3);
            o4 = a4.fma(qi, o4);
            o5 = a5.fma(qi, o5);
            o6 = a6.fma(qi, o6);
            o7 = a7.fma(qi, o7);
        }
        o0v.intoArray(out, o0);
        o1.intoArray(out, o0 + l);
        o2.intoArray(out, o0 + 2 * l);
        o3.intoArray(out, o0 + 3 * l);
        o4.intoArray(out, o0 + 4 * l);
        o5.intoArray(out, o0 + 5 * l);
        o6.intoArray(out, o0 + 6 * l);
        o7.intoArray(out, o0 + 7 * l);
    }

    /** {@link #columns8} for one vector of columns. */
    private static void columns1(float[] S, int s0, int dk, int dv, float[] q, int qOff, float[] k, int kOff,
                                 float[] v, int v0, float decay, float beta, float[] out, int o0) {
        FloatVector m = FloatVector.zero(F);
        for (int i = 0; i < dk; i++) {
            int r = s0 + i * dv;
            FloatVector a = FloatVector.fromArray(F, S, r).mul(decay);
            a.intoArray(S, r);
            m = a.fma(FloatVector.broadcast(F, k[kOff + i]), m);
        }
        FloatVector delta = FloatVector.fromArray(F, v, v0).sub(m).mul(beta);
        FloatVector o = FloatVector.zero(F);
        for (int i = 0; i < dk; i++) {
            int r = s0 + i * dv;
            FloatVector a = delta.fma(FloatVector.broadcast(F, k[kOff + i]), FloatVector.fromArray(F, S, r));
            a.intoArray(S, r);
            o = a.fma(FloatVector.broadcast(F, q[qOff + i]), o);
        }
        o.intoArray(out, o0);
    }

    /** Token-by-token over {@code n} tokens. */
    public static void recurrent(int n, Inputs in, State s, Strided out) {
        Strided q = in.q();
        Strided k = in.k();
        Strided v = in.v();
        Strided g = in.g();
        Strided beta = in.beta();
        for (int t = 0; t < n; t++) {
            recurrentStep(s.S(), s.off(), s.dk(), s.dv(), q.a(), q.at(t), k.a(), k.at(t), v.a(), v.at(t),
                    g.a()[g.at(t)], beta.a()[beta.at(t)], out.a(), out.at(t));
        }
    }

    /**
     * Chunked form over {@code n} tokens with chunks of {@code chunkSize}; same result as {@link #recurrent} up to
     * rounding. A final partial chunk is computed at its own length (equivalent to zero padding: padded tokens
     * have {@code g = 0, β = 0} and change nothing). Each chunk is {@link #chunk} then {@link #advance} over all of
     * its tokens.
     */
    public static void chunked(int n, Inputs in, State s, Strided out, int chunkSize) {
        Carry carry = new Carry(new float[chunkSize], 0, new float[chunkSize * s.dv()], 0);
        for (int c0 = 0; c0 < n; c0 += chunkSize) {
            int L = Math.min(chunkSize, n - c0);
            Inputs tokens = in.from(c0);
            chunk(L, tokens, s, out.from(c0), carry);
            advance(L, tokens.k(), carry, s);
        }
    }

    /**
     * One chunk of {@code L} tokens read against the state {@code S} at the chunk's start, which it does not
     * modify (WY form). Writes the outputs, the cumulative log decays {@code gc[gcOff + i] = Σ_{j≤i} g_j} and the
     * corrected values {@code vNew[vNewOff + i·dv ..]} that {@link #advance} needs. All three depend on tokens
     * {@code ≤ i} only (the WY matrices are lower-triangular), so any prefix of the chunk can be committed later.
     */
    public static void chunk(int L, Inputs in, State s, Strided out, Carry c) {
        int dk = s.dk();
        int dv = s.dv();
        Strided g = in.g();
        Strided beta = in.beta();
        float[] gc = c.gc();
        int gcOff = c.gcOff();
        float[] vNew = c.vNew();
        int vNewOff = c.vNewOff();
        // every element of these is written before it is read (D above its diagonal never is)
        ChunkScratch w = ChunkScratch.LOCAL.get().fit(L, dk, dv);
        float[] Q = w.q;
        float[] K = w.k;
        float[] Kt = w.kt;
        float[] Kb = w.kb;   // β_j e^gc_j k_j
        float[] Vb = w.vb;   // β_j v_j
        float[] D = w.d;     // e^(gc_i − gc_j) for j ≤ i
        float[] A = w.a;
        float[] QK = w.qk;
        float[] W = w.w;
        float acc = 0f;
        for (int i = 0; i < L; i++) {
            acc += g.a()[g.at(i)];
            gc[gcOff + i] = acc;
        }
        for (int i = 0; i < L; i++) {
            float b = beta.a()[beta.at(i)];
            System.arraycopy(in.q().a(), in.q().at(i), Q, i * dk, dk);
            System.arraycopy(in.k().a(), in.k().at(i), K, i * dk, dk);
            float[] v = in.v().a();
            int vi = in.v().at(i);
            for (int d = 0; d < dk; d++) {
                Kb[i * dk + d] = K[i * dk + d] * (b * (float) Math.exp(gc[gcOff + i]));
            }
            for (int d = 0; d < dv; d++) {
                Vb[i * dv + d] = v[vi + d] * b;
            }
        }
        decayMatrix(L, gc, gcOff, D);
        SmallGemm.transpose(L, dk, K, 0, dk, Kt, 0, L);
        // A[i][j] = −β_i (k_i·k_j) e^(gc_i − gc_j) for j < i;  QK[i][j] = (q_i·k_j) e^(gc_i − gc_j) for j ≤ i
        SmallGemm.mul(L, L, dk, K, 0, dk, Kt, 0, L, A, 0, L, false);
        SmallGemm.mul(L, L, dk, Q, 0, dk, Kt, 0, L, QK, 0, L, false);
        for (int i = 0; i < L; i++) {
            float bi = -beta.a()[beta.at(i)];
            for (int j = 0; j < L; j++) {
                A[i * L + j] = j < i ? bi * A[i * L + j] * D[i * L + j] : 0f;
                QK[i * L + j] = j <= i ? QK[i * L + j] * D[i * L + j] : 0f;
            }
        }
        // forward substitution: row_i ← row_i + row_i·A[<i][<i] with rows m < i final (strictly lower)
        float[] row = w.row;
        for (int i = 1; i < L; i++) {
            System.arraycopy(A, i * L, row, 0, i);
            for (int m = 1; m < i; m++) {
                if (row[m] != 0f) {
                    VectorOps.axpy(row[m], A, m * L, A, i * L, m);
                }
            }
        }
        for (int i = 0; i < L; i++) {
            A[i * L + i] = 1f; // T = I + A
        }
        // U = T·(βv) straight into vNew, W = T·(βk e^gc); then vNew = U − W·S
        SmallGemm.mul(L, dv, L, A, 0, L, Vb, 0, dv, vNew, vNewOff, dv, false);
        SmallGemm.mul(L, dk, L, A, 0, L, Kb, 0, dk, W, 0, dk, false);
        VectorOps.scale(W, 0, L * dk, -1f);
        SmallGemm.mul(L, dv, dk, W, 0, dk, s.S(), s.off(), dv, vNew, vNewOff, dv, true);
        // out = (Q e^gc)·S + QK·vNew
        for (int i = 0; i < L; i++) {
            VectorOps.scale(Q, i * dk, dk, (float) Math.exp(gc[gcOff + i]));
        }
        float[] O = w.o;
        SmallGemm.mul(L, dv, dk, Q, 0, dk, s.S(), s.off(), dv, O, 0, dv, false);
        SmallGemm.mul(L, dv, L, QK, 0, L, vNew, vNewOff, dv, O, 0, dv, true);
        for (int i = 0; i < L; i++) {
            System.arraycopy(O, i * dv, out.a(), out.at(i), dv);
        }
    }

    /**
     * Per-thread work arrays of {@link #chunk}, reused across calls: fresh ones were ~270 KB per chunk and head (L = 64,
     * head dims 128), ~2.5 GB per 512-token prefill of the real shapes, and young collections pause the compute.
     */
    private static final class ChunkScratch {
        static final ThreadLocal<ChunkScratch> LOCAL = ThreadLocal.withInitial(ChunkScratch::new);
        float[] q = new float[0];
        float[] k = new float[0];
        float[] kt = new float[0];
        float[] kb = new float[0];
        float[] vb = new float[0];
        float[] d = new float[0];
        float[] a = new float[0];
        float[] qk = new float[0];
        float[] w = new float[0];
        float[] row = new float[0];
        float[] o = new float[0];

        ChunkScratch fit(int L, int dk, int dv) {
            if (q.length < L * dk || vb.length < L * dv || d.length < L * L || row.length < L) {
                int kn = Math.max(q.length, L * dk);
                int vn = Math.max(vb.length, L * dv);
                int ln = Math.max(d.length, L * L);
                q = new float[kn];
                k = new float[kn];
                kt = new float[kn];
                kb = new float[kn];
                w = new float[kn];
                vb = new float[vn];
                o = new float[vn];
                d = new float[ln];
                a = new float[ln];
                qk = new float[ln];
                row = new float[Math.max(row.length, L)];
            }
            return this;
        }
    }

    /** {@code D[i][j] = e^(gc_i − gc_j)} for {@code j ≤ i} (≤ 1: decays only shrink), vectorised per row. */
    private static void decayMatrix(int L, float[] gc, int gcOff, float[] D) {
        int vl = F.length();
        for (int i = 0; i < L; i++) {
            FloatVector gi = FloatVector.broadcast(F, gc[gcOff + i]);
            int n = i + 1;
            int j = 0;
            for (; j + vl <= n; j += vl) {
                gi.sub(FloatVector.fromArray(F, gc, gcOff + j)).intoArray(D, i * L + j);
            }
            for (; j < n; j++) {
                D[i * L + j] = gc[gcOff + i] - gc[gcOff + j];
            }
            Simd.exp(D, i * L, n);
        }
    }

    /**
     * Moves {@code S} from the start of a {@link #chunk} to just after its first {@code a} tokens:
     * {@code S ← S·e^gc[a−1] + Σ_{i<a} (k_i e^(gc[a−1] − gc_i)) ⊗ vNew_i}. {@code a = 0} leaves S as it is. One
     * read-modify-write pass over S: each vector of a row is decayed and receives all {@code a} terms in
     * registers (in the order of the unfused form, so the result is the same to the bit).
     */
    public static void advance(int a, Strided keys, Carry carry, State s) {
        if (a == 0) {
            return;
        }
        int dk = s.dk();
        int dv = s.dv();
        float[] S = s.S();
        int sOff = s.off();
        float[] k = keys.a();
        float[] gc = carry.gc();
        int gcOff = carry.gcOff();
        float[] vNew = carry.vNew();
        int vNewOff = carry.vNewOff();
        float gLast = gc[gcOff + a - 1];
        float decayAll = (float) Math.exp(gLast);
        float[] w = new float[a];
        for (int i = 0; i < a; i++) {
            w[i] = (float) Math.exp(gLast - gc[gcOff + i]);
        }
        float[] coef = new float[a];
        FloatVector vDecay = FloatVector.broadcast(F, decayAll);
        int upper = F.loopBound(dv);
        for (int r = 0; r < dk; r++) {
            int row = sOff + r * dv;
            for (int i = 0; i < a; i++) {
                coef[i] = k[keys.at(i) + r] * w[i];
            }
            int c = 0;
            for (; c < upper; c += F.length()) {
                FloatVector acc = FloatVector.fromArray(F, S, row + c).mul(vDecay);
                for (int i = 0; i < a; i++) {
                    acc = FloatVector.fromArray(F, vNew, vNewOff + i * dv + c).fma(FloatVector.broadcast(F, coef[i]), acc);
                }
                acc.intoArray(S, row + c);
            }
            for (; c < dv; c++) {
                float x = S[row + c] * decayAll;
                for (int i = 0; i < a; i++) {
                    x += coef[i] * vNew[vNewOff + i * dv + c];
                }
                S[row + c] = x;
            }
        }
    }
}
