package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The prefill mat-mat shared by every format. Mat-mat is compute-bound, so the weights' storage format only
 * matters once: {@link #R} weight rows are dequantised into an f32 panel ({@link Matrix#row}), and the panel is
 * multiplied with {@link #T} activation rows at a time by a register tile of {@code R × T} f32 accumulators, so
 * each loaded weight vector feeds {@code T} FMAs and each activation vector {@code R}. Dequantising costs one pass
 * over the panel per call, which {@code n} activation rows amortise.
 */
final class PanelMatMul {
    /** Weight rows per panel. */
    static final int R = 4;
    /** Activation rows per register tile. */
    static final int T = 4;
    /**
     * Up to this many activation rows the formats run their few-row kernel instead ({@link Matrix#matVecRows}: the
     * weight row widened once, or kept in L1, for all of them): a panel costs a dequantising pass that so few rows
     * cannot amortise.
     */
    static final int SMALL_N = 5;

    private PanelMatMul() {
    }

    /** {@link Matrix#matMul} for any matrix, through f32 panels. */
    static void matMul(Matrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        int cols = w.cols();
        float[] panel = new float[R * cols];
        float[] lanes = new float[R * T * F.length()];
        int r = r0;
        for (; r + R <= r1; r += R) {
            for (int i = 0; i < R; i++) {
                w.row(r + i, panel, i * cols);
            }
            int t = 0;
            for (; t + T <= n; t += T) {
                tile4x4(panel, cols, x, xOff + t * xStride, xStride, y, yOff + t * yStride + r, yStride, lanes);
            }
            for (; t < n; t++) {
                tile4x1(panel, cols, x, xOff + t * xStride, y, yOff + t * yStride + r);
            }
        }
        for (; r < r1; r++) {
            w.row(r, panel, 0);
            for (int t = 0; t < n; t++) {
                y[yOff + t * yStride + r] = dot(panel, 0, x, xOff + t * xStride, cols);
            }
        }
    }

    /**
     * {@code y[t·yStride + i] = panel[i]·x[t]} for 4 panel rows {@code i} and 4 activation rows {@code t};
     * {@code lanes} is scratch of {@code 16 × F.length()}.
     */
    private static void tile4x4(float[] w, int cols, float[] x, int x0, int xs, float[] y, int y0, int ys, float[] lanes) {
        int w1 = cols;
        int w2 = 2 * cols;
        int w3 = 3 * cols;
        int x1 = x0 + xs;
        int x2 = x1 + xs;
        int x3 = x2 + xs;
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        int upper = F.loopBound(cols);
        int k = 0;
        for (; k < upper; k += F.length()) {
            FloatVector a0 = FloatVector.fromArray(F, x, x0 + k);
            FloatVector a1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector a2 = FloatVector.fromArray(F, x, x2 + k);
            FloatVector a3 = FloatVector.fromArray(F, x, x3 + k);
            FloatVector v = FloatVector.fromArray(F, w, k);
            c00 = v.fma(a0, c00);
            c01 = v.fma(a1, c01);
            c02 = v.fma(a2, c02);
            c03 = v.fma(a3, c03);
            v = FloatVector.fromArray(F, w, w1 + k);
            c10 = v.fma(a0, c10);
            c11 = v.fma(a1, c11);
            c12 = v.fma(a2, c12);
            c13 = v.fma(a3, c13);
            v = FloatVector.fromArray(F, w, w2 + k);
            c20 = v.fma(a0, c20);
            c21 = v.fma(a1, c21);
            c22 = v.fma(a2, c22);
            c23 = v.fma(a3, c23);
            v = FloatVector.fromArray(F, w, w3 + k);
            c30 = v.fma(a0, c30);
            c31 = v.fma(a1, c31);
            c32 = v.fma(a2, c32);
            c33 = v.fma(a3, c33);
        }
        // 16 lane sums: stored, then added in lane order by scalar code (reproducible, see Simd.sum; 16 vector
        // trees inlined here cost a quarter of the kernel's speed)
        int n = F.length();
        c00.intoArray(lanes, 0);
        c01.intoArray(lanes, n);
        c02.intoArray(lanes, 2 * n);
        c03.intoArray(lanes, 3 * n);
        c10.intoArray(lanes, 4 * n);
        c11.intoArray(lanes, 5 * n);
        c12.intoArray(lanes, 6 * n);
        c13.intoArray(lanes, 7 * n);
        c20.intoArray(lanes, 8 * n);
        c21.intoArray(lanes, 9 * n);
        c22.intoArray(lanes, 10 * n);
        c23.intoArray(lanes, 11 * n);
        c30.intoArray(lanes, 12 * n);
        c31.intoArray(lanes, 13 * n);
        c32.intoArray(lanes, 14 * n);
        c33.intoArray(lanes, 15 * n);
        float[] s = new float[16];
        for (int j = 0; j < 16; j++) {
            float a = 0f;
            for (int l = j * n; l < (j + 1) * n; l++) {
                a += lanes[l];
            }
            s[j] = a;
        }
        for (; k < cols; k++) { // column tail (f32/bf16 with odd cols)
            for (int i = 0; i < 4; i++) {
                float wv = w[i * cols + k];
                for (int t = 0; t < 4; t++) {
                    s[i * 4 + t] += wv * x[x0 + t * xs + k];
                }
            }
        }
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < 4; i++) {
                y[y0 + t * ys + i] = s[i * 4 + t];
            }
        }
    }

    /** {@code y[y0 + i] = panel[i]·x} for 4 panel rows {@code i} and one activation row. */
    private static void tile4x1(float[] w, int cols, float[] x, int x0, float[] y, int y0) {
        FloatVector c0 = FloatVector.zero(F), c1 = c0, c2 = c0, c3 = c0;
        int upper = F.loopBound(cols);
        int k = 0;
        for (; k < upper; k += F.length()) {
            FloatVector a = FloatVector.fromArray(F, x, x0 + k);
            c0 = FloatVector.fromArray(F, w, k).fma(a, c0);
            c1 = FloatVector.fromArray(F, w, cols + k).fma(a, c1);
            c2 = FloatVector.fromArray(F, w, 2 * cols + k).fma(a, c2);
            c3 = FloatVector.fromArray(F, w, 3 * cols + k).fma(a, c3);
        }
        float s0 = sum(c0), s1 = sum(c1), s2 = sum(c2), s3 = sum(c3);
        for (; k < cols; k++) {
            float a = x[x0 + k];
            s0 += w[k] * a;
            s1 += w[cols + k] * a;
            s2 += w[2 * cols + k] * a;
            s3 += w[3 * cols + k] * a;
        }
        y[y0] = s0;
        y[y0 + 1] = s1;
        y[y0 + 2] = s2;
        y[y0 + 3] = s3;
    }

    private static float dot(float[] w, int wOff, float[] x, int xOff, int n) {
        return VectorOps.dot(w, wOff, x, xOff, n);
    }

    private static float sum(FloatVector v) {
        return Simd.sum(v);
    }
}
