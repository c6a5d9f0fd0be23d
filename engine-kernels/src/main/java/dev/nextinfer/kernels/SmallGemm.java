package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/**
 * Dense {@code C (+)= A·B} on small row-major f32 matrices that live in cache (the chunked delta rule's 64×128
 * blocks). Register-tiled by {@link LanePanel}: 12 rows of C (4 with vectors narrower than 512 bits) × 2 vectors of
 * columns per pass, so each B vector load feeds 24 FMAs and each A element is broadcast once per pass.
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
        // columns two vectors at a time: LanePanel's register tiles over all m rows (B is its panel, A its
        // activation rows, C its sums), each C element the in-order fma sum over k
        for (int j = 0; j < nv2; j += 2 * vl) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    java.util.Arrays.fill(c, cOff + i * ldc + j, cOff + i * ldc + j + 2 * vl, 0f);
                }
            }
            LanePanel.multiply(b, kk, ldb, bOff + j, a, aOff, lda, m, c, cOff + j, ldc);
        }
        // the rest of each row: one vector of columns, then single cells
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * lda;
            int ci = cOff + i * ldc;
            for (int j = nv2; j < nv1; j += vl) {
                FloatVector x = init(c, ci + j, accumulate);
                for (int k = 0; k < kk; k++) {
                    x = FloatVector.fromArray(F, b, bOff + k * ldb + j).fma(FloatVector.broadcast(F, a[ai + k]), x);
                }
                x.intoArray(c, ci + j);
            }
            for (int j = nv1; j < n; j++) {
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
