package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.F;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import jdk.incubator.vector.FloatVector;

/**
 * The arithmetic half of the few-row kernels ({@link Matrix#matVecRows}): a weight row is widened once into f32
 * arrays — exact values; for the block formats the unscaled quants plus each block's scale (and minimum) — and these
 * methods then perform, for each activation row, exactly the operations the format's {@code dot} performs on the
 * same values: the same vector species, the same fused multiply-adds in the same order, the same lane sum
 * ({@link Simd#sum}). A widened value loaded from an array is the value {@code dot} widens in a register, and a
 * running vector stored to an array and loaded back is unchanged, so the results are equal to the bit, while the
 * widening (unpacking nibbles, sign extension, conversion, f16 scales) is paid once for all activation rows.
 *
 * <p>The methods take arrays and integers only (no vectors), so they are compiled on their own and called without
 * boxing a vector whether C2 inlines them or not. The block methods run four activation rows per widened weight
 * vector: the same per-row operations, a quarter of the weight loads.
 */
final class WidenedRows {
    private WidenedRows() {
    }

    /**
     * Continues, for four activation rows {@code x[x0 ..]} … {@code x[x3 ..]} (offsets may repeat), the running
     * vectors {@code acc[a + i·FB_LANES ..]} ({@code i < 4}) of the scaled block formats' {@code dot} (q8_0, q4_0,
     * q5_0, iq4_nl, mxfp4) over {@code nb} widened blocks: per block a chain of FMAs from zero over its 32 values,
     * then one FMA with the block's scale into the running vector — exactly {@code dot}'s operations per row, so the
     * same bits. Each widened weight vector and each block's scale is loaded once for the four rows.
     */
    static void scaled4(float[] q, float[] d, int nb, float[] x, int x0, int x1, int x2, int x3, float[] acc, int a) {
        FloatVector a0 = FloatVector.fromArray(FB, acc, a);
        FloatVector a1 = FloatVector.fromArray(FB, acc, a + FB_LANES);
        FloatVector a2 = FloatVector.fromArray(FB, acc, a + 2 * FB_LANES);
        FloatVector a3 = FloatVector.fromArray(FB, acc, a + 3 * FB_LANES);
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            FloatVector p0, p1, p2, p3;
            if (FB_LANES == 16) { // straight-line on AVX-512: no inner loop in the block code (see Blocks)
                // fma from zero, not mul: dot's chain starts at +0, which turns a −0 product into +0
                FloatVector z = FloatVector.zero(FB);
                FloatVector w = FloatVector.fromArray(FB, q, o);
                p0 = w.fma(FloatVector.fromArray(FB, x, x0 + o), z);
                p1 = w.fma(FloatVector.fromArray(FB, x, x1 + o), z);
                p2 = w.fma(FloatVector.fromArray(FB, x, x2 + o), z);
                p3 = w.fma(FloatVector.fromArray(FB, x, x3 + o), z);
                w = FloatVector.fromArray(FB, q, o + 16);
                p0 = w.fma(FloatVector.fromArray(FB, x, x0 + o + 16), p0);
                p1 = w.fma(FloatVector.fromArray(FB, x, x1 + o + 16), p1);
                p2 = w.fma(FloatVector.fromArray(FB, x, x2 + o + 16), p2);
                p3 = w.fma(FloatVector.fromArray(FB, x, x3 + o + 16), p3);
            } else {
                p0 = FloatVector.zero(FB);
                p1 = p0;
                p2 = p0;
                p3 = p0;
                for (int k = 0; k < QK; k += FB_LANES) {
                    FloatVector w = FloatVector.fromArray(FB, q, o + k);
                    p0 = w.fma(FloatVector.fromArray(FB, x, x0 + o + k), p0);
                    p1 = w.fma(FloatVector.fromArray(FB, x, x1 + o + k), p1);
                    p2 = w.fma(FloatVector.fromArray(FB, x, x2 + o + k), p2);
                    p3 = w.fma(FloatVector.fromArray(FB, x, x3 + o + k), p3);
                }
            }
            FloatVector s = FloatVector.broadcast(FB, d[b]);
            a0 = p0.fma(s, a0);
            a1 = p1.fma(s, a1);
            a2 = p2.fma(s, a2);
            a3 = p3.fma(s, a3);
        }
        a0.intoArray(acc, a);
        a1.intoArray(acc, a + FB_LANES);
        a2.intoArray(acc, a + 2 * FB_LANES);
        a3.intoArray(acc, a + 3 * FB_LANES);
    }

    /**
     * As {@link #scaled4} for q4_1 and q5_1, whose {@code dot} adds per block {@code p·d + s·m} to the running
     * vector, {@code p} the FMA chain and {@code s} the lane-wise sum of the block's activations (from zero, in
     * value order, as {@code Blocks.add}).
     */
    static void withMinimum4(float[] q, float[] d, float[] m, int nb, float[] x, int x0, int x1, int x2, int x3,
                             float[] acc, int a) {
        FloatVector a0 = FloatVector.fromArray(FB, acc, a);
        FloatVector a1 = FloatVector.fromArray(FB, acc, a + FB_LANES);
        FloatVector a2 = FloatVector.fromArray(FB, acc, a + 2 * FB_LANES);
        FloatVector a3 = FloatVector.fromArray(FB, acc, a + 3 * FB_LANES);
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            FloatVector p0 = FloatVector.zero(FB), p1 = p0, p2 = p0, p3 = p0;
            FloatVector s0 = p0, s1 = p0, s2 = p0, s3 = p0;
            for (int k = 0; k < QK; k += FB_LANES) {
                FloatVector w = FloatVector.fromArray(FB, q, o + k);
                FloatVector v0 = FloatVector.fromArray(FB, x, x0 + o + k);
                FloatVector v1 = FloatVector.fromArray(FB, x, x1 + o + k);
                FloatVector v2 = FloatVector.fromArray(FB, x, x2 + o + k);
                FloatVector v3 = FloatVector.fromArray(FB, x, x3 + o + k);
                p0 = w.fma(v0, p0);
                p1 = w.fma(v1, p1);
                p2 = w.fma(v2, p2);
                p3 = w.fma(v3, p3);
                s0 = s0.add(v0);
                s1 = s1.add(v1);
                s2 = s2.add(v2);
                s3 = s3.add(v3);
            }
            FloatVector dv = FloatVector.broadcast(FB, d[b]);
            FloatVector mv = FloatVector.broadcast(FB, m[b]);
            a0 = a0.add(p0.fma(dv, s0.mul(mv)));
            a1 = a1.add(p1.fma(dv, s1.mul(mv)));
            a2 = a2.add(p2.fma(dv, s2.mul(mv)));
            a3 = a3.add(p3.fma(dv, s3.mul(mv)));
        }
        a0.intoArray(acc, a);
        a1.intoArray(acc, a + FB_LANES);
        a2.intoArray(acc, a + 2 * FB_LANES);
        a3.intoArray(acc, a + 3 * FB_LANES);
    }

    /**
     * {@link #scaled4} for one or two activation rows ({@code rows}; {@code x1} is ignored for one): the tail of a
     * batch whose size is not a multiple of 4, without the FMAs a padded tile of four would waste.
     */
    static void scaled2(int rows, float[] q, float[] d, int nb, float[] x, int x0, int x1, float[] acc, int a) {
        if (rows == 1) {
            x1 = x0;
        }
        FloatVector a0 = FloatVector.fromArray(FB, acc, a);
        FloatVector a1 = FloatVector.fromArray(FB, acc, a + FB_LANES);
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            FloatVector p0 = FloatVector.zero(FB), p1 = p0;
            for (int k = 0; k < QK; k += FB_LANES) {
                FloatVector w = FloatVector.fromArray(FB, q, o + k);
                p0 = w.fma(FloatVector.fromArray(FB, x, x0 + o + k), p0);
                if (rows == 2) {
                    p1 = w.fma(FloatVector.fromArray(FB, x, x1 + o + k), p1);
                }
            }
            FloatVector s = FloatVector.broadcast(FB, d[b]);
            a0 = p0.fma(s, a0);
            if (rows == 2) {
                a1 = p1.fma(s, a1);
            }
        }
        a0.intoArray(acc, a);
        if (rows == 2) {
            a1.intoArray(acc, a + FB_LANES);
        }
    }

    /** {@link #withMinimum4} for one or two activation rows, as {@link #scaled2}. */
    static void withMinimum2(int rows, float[] q, float[] d, float[] m, int nb, float[] x, int x0, int x1, float[] acc, int a) {
        if (rows == 1) {
            x1 = x0;
        }
        FloatVector a0 = FloatVector.fromArray(FB, acc, a);
        FloatVector a1 = FloatVector.fromArray(FB, acc, a + FB_LANES);
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            FloatVector p0 = FloatVector.zero(FB), p1 = p0, s0 = p0, s1 = p0;
            for (int k = 0; k < QK; k += FB_LANES) {
                FloatVector w = FloatVector.fromArray(FB, q, o + k);
                FloatVector v0 = FloatVector.fromArray(FB, x, x0 + o + k);
                p0 = w.fma(v0, p0);
                s0 = s0.add(v0);
                if (rows == 2) {
                    FloatVector v1 = FloatVector.fromArray(FB, x, x1 + o + k);
                    p1 = w.fma(v1, p1);
                    s1 = s1.add(v1);
                }
            }
            FloatVector dv = FloatVector.broadcast(FB, d[b]);
            FloatVector mv = FloatVector.broadcast(FB, m[b]);
            a0 = a0.add(p0.fma(dv, s0.mul(mv)));
            if (rows == 2) {
                a1 = a1.add(p1.fma(dv, s1.mul(mv)));
            }
        }
        a0.intoArray(acc, a);
        if (rows == 2) {
            a1.intoArray(acc, a + FB_LANES);
        }
    }

    /** {@link Simd#sum} of the running vector stored at {@code acc[a ..]}: {@code dot}'s final lane sum. */
    static float laneSum(float[] acc, int a) {
        return Simd.sumOf(acc, a);
    }

    /**
     * The few-row kernel of {@link F32Matrix} and {@link BF16Matrix}: each weight row of {@code w} converted once
     * ({@link Matrix#row}, exact), then {@link #fourAccumulators} per activation row.
     */
    static void fourAccumulatorRows(Matrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride,
                                    int r0, int r1) {
        int cols = w.cols();
        float[] row = new float[cols];
        for (int r = r0; r < r1; r++) {
            w.row(r, row, 0);
            for (int t = 0; t < n; t++) {
                y[yOff + t * yStride + r] = fourAccumulators(row, cols, x, xOff + t * xStride);
            }
        }
    }

    /**
     * {@code w[0 .. n)·x[xOff ..]} as {@link F32Matrix#dot} and {@link BF16Matrix#dot} compute it: four running
     * vectors over groups of four vectors, the rest into the first, summed {@code (a0 + a1) + (a2 + a3)}, then a
     * scalar tail.
     */
    static float fourAccumulators(float[] w, int n, float[] x, int xOff) {
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + 4 * step <= n; c += 4 * step) {
            a0 = FloatVector.fromArray(F, w, c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
            a1 = FloatVector.fromArray(F, w, c + step).fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
            a2 = FloatVector.fromArray(F, w, c + 2 * step).fma(FloatVector.fromArray(F, x, xOff + c + 2 * step), a2);
            a3 = FloatVector.fromArray(F, w, c + 3 * step).fma(FloatVector.fromArray(F, x, xOff + c + 3 * step), a3);
        }
        for (; c + step <= n; c += step) {
            a0 = FloatVector.fromArray(F, w, c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
        }
        float sum = Simd.sum(a0.add(a1).add(a2.add(a3)));
        for (; c < n; c++) {
            sum += w[c] * x[xOff + c];
        }
        return sum;
    }
}
