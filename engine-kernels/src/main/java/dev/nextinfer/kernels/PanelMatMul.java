package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * The prefill mat-mat shared by every format. Mat-mat is compute-bound, so the weights' storage format only
 * matters once: weight rows are dequantised into f32 ({@link Matrix#row}) and multiplied in f32. From
 * {@link #LANE_N} activation rows up, groups of {@link LanePanel#ROWS} rows are transposed into panels with the rows
 * in lanes and multiplied by {@link LanePanel}'s tiles (each output an in-order sum of {@code fma}s over the columns);
 * below it {@link #R} rows at a time are multiplied with {@link #T} activation rows by a register tile of
 * {@code R × T} f32 accumulators along the columns, summed across lanes at the end. Dequantising costs one pass over
 * the rows per call, which {@code n} activation rows amortise.
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

    /**
     * Per-thread scratch of {@link #lanes} and {@link #panels}, and of {@link RowLaneMatrix#prefill} (a leaf like
     * them: never running inside either), reused across calls (every element a call reads is written by it first).
     * Allocated per call, a 512-token prefill of a3b-e32 spent ~5.6 of its ~16 GB of allocation in 15 s on these
     * arrays (and ~1 GB more in {@code RowLaneMatrix.prefill} with the integer kernels), and each young collection of
     * a 2-core machine pauses the compute threads.
     */
    static final class Scratch {
        static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        /** Dequantised weight rows. */
        float[] rows = new float[0];
        /**
         * The second work array: {@link #lanes}' and {@link RowLaneMatrix#prefill}'s panel, {@link #panels}' spilled
         * tile lanes.
         */
        float[] work = new float[0];
        /** {@link #lanes}' and {@link RowLaneMatrix#prefill}'s sums. */
        float[] sums = new float[0];

        static float[] atLeast(float[] a, int n) {
            return a.length >= n ? a : new float[n];
        }
    }

    /**
     * From this many activation rows up, rows go through {@link LanePanel} in groups of {@link LanePanel#ROWS}
     * (aligned to multiples of it; a group cut by the range is computed whole, so a row's bits do not depend on how
     * the rows are split over threads): the group's rows dequantised, transposed into panels with the rows in lanes,
     * and multiplied by its register tiles without horizontal sums. The transposition (a scalar store per weight)
     * costs about what the 4 × 4 tiles spend on 40–50 activation rows: one thread, 512-bit vectors, Q4_K, Q6_K and
     * Q8_0 on the expert and 2048 × 2048 shapes, time through the lanes ÷ through the 4 × 4 tiles: 1.03–1.47 at 32
     * rows, 0.53–1.20 at 48, 0.54–0.72 at 160, 0.37–0.54 at 512.
     */
    static final int LANE_N = 64;

    /** {@link Matrix#matMul} for any matrix, through f32 panels. */
    static void matMul(Matrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n >= LANE_N) {
            lanes(w, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else {
            panels(w, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    /**
     * Rows {@code [r0, r1)} through {@link LanePanel}, group by group of {@link LanePanel#ROWS} rows from a multiple
     * of it (the matrix's last group padded with zero rows).
     */
    private static void lanes(Matrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (r0 >= r1) {
            return;
        }
        int g = LanePanel.ROWS;
        int cols = w.cols();
        Scratch scratch = Scratch.LOCAL.get();
        float[] rows = scratch.rows = Scratch.atLeast(scratch.rows, g * cols);
        float[] panel = scratch.work = Scratch.atLeast(scratch.work, LanePanel.COLS * g);
        float[] sums = scratch.sums = Scratch.atLeast(scratch.sums, n * g);
        for (int first = r0 / g * g; first < r1; first += g) {
            int count = Math.min(g, w.rows() - first);
            for (int i = 0; i < count; i++) {
                w.row(first + i, rows, i * cols);
            }
            java.util.Arrays.fill(rows, count * cols, g * cols, 0f);
            java.util.Arrays.fill(sums, 0, n * g, 0f);
            for (int c0 = 0; c0 < cols; c0 += LanePanel.COLS) {
                int len = Math.min(LanePanel.COLS, cols - c0);
                for (int i = 0; i < g; i++) {
                    for (int c = 0, o = i * cols + c0; c < len; c++) {
                        panel[c * g + i] = rows[o + c];
                    }
                }
                LanePanel.multiply(panel, len, g, 0, x, xOff + c0, xStride, n, sums, 0);
            }
            int from = Math.max(r0, first);
            int to = Math.min(r1, first + g);
            for (int t = 0; t < n; t++) {
                System.arraycopy(sums, t * g + from - first, y, yOff + t * yStride + from, to - from);
            }
        }
    }

    /** Rows {@code [r0, r1)} through panels of {@link #R} rows and tiles of {@link #T} activation rows. */
    private static void panels(Matrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (r0 >= r1) {
            return;
        }
        int cols = w.cols();
        Scratch scratch = Scratch.LOCAL.get();
        float[] panel = scratch.rows = Scratch.atLeast(scratch.rows, R * cols);
        float[] lanes = scratch.work = Scratch.atLeast(scratch.work, R * T * F.length());
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
