package dev.nextinfer.kernels;

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
 * <p>Vectors are read with a stride so callers can pass slices of larger activation buffers: token {@code t} of
 * q lives at {@code q[qOff + t·qStride ..]}, and so on.
 */
public final class DeltaRule {
    private DeltaRule() {
    }

    /** One token of the recurrent rule; updates {@code S} in place and writes {@code out[outOff .. +dv)}. */
    public static void recurrentStep(float[] S, int sOff, int dk, int dv,
                                     float[] q, int qOff, float[] k, int kOff, float[] v, int vOff,
                                     float g, float beta, float[] out, int outOff, float[] scratch) {
        float decay = (float) Math.exp(g);
        // kvMem = (S·e^g)ᵀ k
        float[] kvMem = scratch;
        java.util.Arrays.fill(kvMem, 0, dv, 0f);
        for (int i = 0; i < dk; i++) {
            int row = sOff + i * dv;
            VectorOps.scale(S, row, dv, decay);
            VectorOps.axpy(k[kOff + i], S, row, kvMem, 0, dv);
        }
        // delta = β(v − kvMem); S += k ⊗ delta; o = Sᵀq
        for (int d = 0; d < dv; d++) {
            kvMem[d] = beta * (v[vOff + d] - kvMem[d]);
        }
        java.util.Arrays.fill(out, outOff, outOff + dv, 0f);
        for (int i = 0; i < dk; i++) {
            int row = sOff + i * dv;
            VectorOps.axpy(k[kOff + i], kvMem, 0, S, row, dv);
            VectorOps.axpy(q[qOff + i], S, row, out, outOff, dv);
        }
    }

    /** Token-by-token over {@code n} tokens. */
    public static void recurrent(int n, int dk, int dv,
                                 float[] q, int qOff, int qStride, float[] k, int kOff, int kStride,
                                 float[] v, int vOff, int vStride, float[] g, int gOff, int gStride,
                                 float[] beta, int betaOff, int betaStride,
                                 float[] S, int sOff, float[] out, int outOff, int outStride) {
        float[] scratch = new float[dv];
        for (int t = 0; t < n; t++) {
            recurrentStep(S, sOff, dk, dv, q, qOff + t * qStride, k, kOff + t * kStride, v, vOff + t * vStride,
                    g[gOff + t * gStride], beta[betaOff + t * betaStride], out, outOff + t * outStride, scratch);
        }
    }

    /**
     * Chunked form over {@code n} tokens with chunks of {@code chunkSize}; same result as {@link #recurrent} up to
     * rounding. A final partial chunk is computed at its own length (equivalent to zero padding: padded tokens
     * have {@code g = 0, β = 0} and change nothing).
     */
    public static void chunked(int n, int dk, int dv,
                               float[] q, int qOff, int qStride, float[] k, int kOff, int kStride,
                               float[] v, int vOff, int vStride, float[] g, int gOff, int gStride,
                               float[] beta, int betaOff, int betaStride,
                               float[] S, int sOff, float[] out, int outOff, int outStride, int chunkSize) {
        int C = chunkSize;
        float[] gc = new float[C];        // cumulative log decay within the chunk
        float[] A = new float[C * C];     // (I + strictly-lower interactions)⁻¹ style matrix, row-major
        float[] U = new float[C * dv];    // A · (β v)
        float[] W = new float[C * dk];    // A · (β k e^gc)
        float[] vNew = new float[C * dv];
        float[] qk = new float[C * C];
        for (int c0 = 0; c0 < n; c0 += C) {
            int L = Math.min(C, n - c0);
            float acc = 0f;
            for (int i = 0; i < L; i++) {
                acc += g[gOff + (c0 + i) * gStride];
                gc[i] = acc;
            }
            // A[i][j] = −β_i (k_i·k_j) e^(gc_i − gc_j) for j < i
            for (int i = 0; i < L; i++) {
                int ki = kOff + (c0 + i) * kStride;
                float bi = beta[betaOff + (c0 + i) * betaStride];
                for (int j = 0; j < i; j++) {
                    int kj = kOff + (c0 + j) * kStride;
                    A[i * C + j] = -bi * VectorOps.dot(k, ki, k, kj, dk) * (float) Math.exp(gc[i] - gc[j]);
                }
            }
            // forward substitution: row i += Σ_m row_i[m] · row_m (rows m < i already final)
            float[] row = new float[C];
            for (int i = 1; i < L; i++) {
                System.arraycopy(A, i * C, row, 0, i);
                for (int j = 0; j < i; j++) {
                    float s = row[j];
                    for (int m = j + 1; m < i; m++) {
                        s += row[m] * A[m * C + j];
                    }
                    A[i * C + j] = s;
                }
            }
            // with the identity on the diagonal: U = A·(βv), W = A·(βk e^gc)
            for (int i = 0; i < L; i++) {
                java.util.Arrays.fill(U, i * dv, i * dv + dv, 0f);
                java.util.Arrays.fill(W, i * dk, i * dk + dk, 0f);
                for (int j = 0; j <= i; j++) {
                    float a = j == i ? 1f : A[i * C + j];
                    if (a == 0f) {
                        continue;
                    }
                    float bj = beta[betaOff + (c0 + j) * betaStride];
                    VectorOps.axpy(a * bj, v, vOff + (c0 + j) * vStride, U, i * dv, dv);
                    VectorOps.axpy(a * bj * (float) Math.exp(gc[j]), k, kOff + (c0 + j) * kStride, W, i * dk, dk);
                }
            }
            // vNew = U − W·S
            for (int i = 0; i < L; i++) {
                System.arraycopy(U, i * dv, vNew, i * dv, dv);
                for (int a = 0; a < dk; a++) {
                    VectorOps.axpy(-W[i * dk + a], S, sOff + a * dv, vNew, i * dv, dv);
                }
            }
            // out_i = (q_i e^gc_i)·S + Σ_{j≤i} (q_i·k_j) e^(gc_i − gc_j) vNew_j
            for (int i = 0; i < L; i++) {
                int qi = qOff + (c0 + i) * qStride;
                int o = outOff + (c0 + i) * outStride;
                java.util.Arrays.fill(out, o, o + dv, 0f);
                float eg = (float) Math.exp(gc[i]);
                for (int a = 0; a < dk; a++) {
                    VectorOps.axpy(q[qi + a] * eg, S, sOff + a * dv, out, o, dv);
                }
                for (int j = 0; j <= i; j++) {
                    int kj = kOff + (c0 + j) * kStride;
                    qk[i * C + j] = VectorOps.dot(q, qi, k, kj, dk) * (float) Math.exp(gc[i] - gc[j]);
                    VectorOps.axpy(qk[i * C + j], vNew, j * dv, out, o, dv);
                }
            }
            // S = S e^(gc_last) + Σ_i (k_i e^(gc_last − gc_i)) ⊗ vNew_i
            float gLast = gc[L - 1];
            float decayAll = (float) Math.exp(gLast);
            for (int a = 0; a < dk; a++) {
                VectorOps.scale(S, sOff + a * dv, dv, decayAll);
            }
            for (int i = 0; i < L; i++) {
                int ki = kOff + (c0 + i) * kStride;
                float w = (float) Math.exp(gLast - gc[i]);
                for (int a = 0; a < dk; a++) {
                    VectorOps.axpy(k[ki + a] * w, vNew, i * dv, S, sOff + a * dv, dv);
                }
            }
        }
    }
}
