package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/**
 * Dense {@code C (+)= A·B} on small row-major f32 matrices that live in cache (the chunked delta rule's 64×128
 * blocks). Register-tiled: 4 rows of C × 2 vectors of columns per pass, so each B vector load feeds 4 FMAs and each
 * A element is broadcast once per pass.
 */
public final class SmallGemm {
    private SmallGemm() {
    }

    /**
     * {@code C[i][j] = (accumulate ? C[i][j] : 0) + Σ_k A[i][k]·B[k][j]} for {@code i < m, j < n, k < kk}, with row
     * strides {@code lda, ldb, ldc}.
     */
    public static void mul(int m, int n, int kk, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
        int vl = F.length();
        int nv2 = n / (2 * vl) * (2 * vl);
        int nv1 = F.loopBound(n);
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int a0 = aOff + i * lda;
            int a1 = a0 + lda;
            int a2 = a1 + lda;
            int a3 = a2 + lda;
            int c0 = cOff + i * ldc;
            int j = 0;
            for (; j < nv2; j += 2 * vl) {
                FloatVector x00 = init(c, c0 + j, accumulate);
                FloatVector x01 = init(c, c0 + j + vl, accumulate);
                FloatVector x10 = init(c, c0 + ldc + j, accumulate);
                FloatVector x11 = init(c, c0 + ldc + j + vl, accumulate);
                FloatVector x20 = init(c, c0 + 2 * ldc + j, accumulate);
                FloatVector x21 = init(c, c0 + 2 * ldc + j + vl, accumulate);
                FloatVector x30 = init(c, c0 + 3 * ldc + j, accumulate);
                FloatVector x31 = init(c, c0 + 3 * ldc + j + vl, accumulate);
                for (int k = 0; k < kk; k++) {
                    int bk = bOff + k * ldb + j;
                    FloatVector b0 = FloatVector.fromArray(F, b, bk);
                    FloatVector b1 = FloatVector.fromArray(F, b, bk + vl);
                    FloatVector s0 = FloatVector.broadcast(F, a[a0 + k]);
                    FloatVector s1 = FloatVector.broadcast(F, a[a1 + k]);
                    FloatVector s2 = FloatVector.broadcast(F, a[a2 + k]);
                    FloatVector s3 = FloatVector.broadcast(F, a[a3 + k]);
                    x00 = b0.fma(s0, x00);
                    x01 = b1.fma(s0, x01);
                    x10 = b0.fma(s1, x10);
                    x11 = b1.fma(s1, x11);
                    x20 = b0.fma(s2, x20);
                    x21 = b1.fma(s2, x21);
                    x30 = b0.fma(s3, x30);
                    x31 = b1.fma(s3, x31);
                }
                x00.intoArray(c, c0 + j);
                x01.intoArray(c, c0 + j + vl);
                x10.intoArray(c, c0 + ldc + j);
                x11.intoArray(c, c0 + ldc + j + vl);
                x20.intoArray(c, c0 + 2 * ldc + j);
                x21.intoArray(c, c0 + 2 * ldc + j + vl);
                x30.intoArray(c, c0 + 3 * ldc + j);
                x31.intoArray(c, c0 + 3 * ldc + j + vl);
            }
            for (; j < nv1; j += vl) {
                FloatVector x0 = init(c, c0 + j, accumulate);
                FloatVector x1 = init(c, c0 + ldc + j, accumulate);
                FloatVector x2 = init(c, c0 + 2 * ldc + j, accumulate);
                FloatVector x3 = init(c, c0 + 3 * ldc + j, accumulate);
                for (int k = 0; k < kk; k++) {
                    FloatVector bv = FloatVector.fromArray(F, b, bOff + k * ldb + j);
                    x0 = bv.fma(FloatVector.broadcast(F, a[a0 + k]), x0);
                    x1 = bv.fma(FloatVector.broadcast(F, a[a1 + k]), x1);
                    x2 = bv.fma(FloatVector.broadcast(F, a[a2 + k]), x2);
                    x3 = bv.fma(FloatVector.broadcast(F, a[a3 + k]), x3);
                }
                x0.intoArray(c, c0 + j);
                x1.intoArray(c, c0 + ldc + j);
                x2.intoArray(c, c0 + 2 * ldc + j);
                x3.intoArray(c, c0 + 3 * ldc + j);
            }
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) {
                    scalarCell(i + r, j, kk, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
                }
            }
        }
        for (; i < m; i++) {
            int ai = aOff + i * lda;
            int ci = cOff + i * ldc;
            int j = 0;
            for (; j < nv1; j += vl) {
                FloatVector x = init(c, ci + j, accumulate);
                for (int k = 0; k < kk; k++) {
                    x = FloatVector.fromArray(F, b, bOff + k * ldb + j).fma(FloatVector.broadcast(F, a[ai + k]), x);
                }
                x.intoArray(c, ci + j);
            }
            for (; j < n; j++) {
                scalarCell(i, j, kk, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            }
        }
    }

    private static FloatVector init(float[] c, int off, boolean accumulate) {
        return accumulate ? FloatVector.fromArray(F, c, off) : FloatVector.zero(F);
    }

    private static void scalarCell(int i, int j, int kk, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                   float[] c, int cOff, int ldc, boolean accumulate) {
        float s = accumulate ? c[cOff + i * ldc + j] : 0f;
        for (int k = 0; k < kk; k++) {
            s += a[aOff + i * lda + k] * b[bOff + k * ldb + j];
        }
        c[cOff + i * ldc + j] = s;
    }

    /** {@code dst[c][r] = src[r][c]} for an {@code rows × cols} block (row strides {@code lds}, {@code ldd}). */
    public static void transpose(int rows, int cols, float[] src, int sOff, int lds, float[] dst, int dOff, int ldd) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                dst[dOff + c * ldd + r] = src[sOff + r * lds + c];
            }
        }
    }
}
