package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.F;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import jdk.incubator.vector.FloatVector;

/**
 * The per-activation-row half of the few-row kernels ({@link Matrix#matVecRows}): a weight row is widened once
 * into f32 arrays — exact values, for the block formats the unscaled quants plus each block's scale (and minimum) —
 * and these methods then compute, for one activation row, exactly the operations the format's {@code dot} performs
 * on the same values: the same vector species, the same fused multiply-adds in the same order, the same lane sum
 * ({@link Simd#sum}). A widened value loaded from an array is the value {@code dot} widens in a register, so the
 * results are equal to the bit, while the widening (unpacking nibbles, sign extension, conversion, f16 scales) is
 * paid once for all activation rows.
 *
 * <p>The per-row methods take arrays and integers only (no vectors), so they are compiled on their own and called
 * without boxing a vector whether C2 inlines them or not. {@code scaled4} and {@code withMinimum4} run four
 * activation rows per widened weight vector: the same per-row operations, fewer loads.
 */
final class WidenedRows {
    private WidenedRows() {
    }

    /**
     * {@code Σ_b d[b]·(q_b ⊙ x_b)} over blocks {@code [0, nb)} of 32 as the scaled block formats' {@code dot}
     * computes it (q8_0, q4_0, q5_0, iq4_nl, mxfp4): per block a chain of FMAs from zero over its 32 values, then
     * one FMA with the block's scale into the running vector.
     */
    static float scaled(float[] q, float[] d, int nb, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            acc = block(q, o, x, xOff + o).fma(FloatVector.broadcast(FB, d[b]), acc);
        }
        return Simd.sum(acc);
    }

    /**
     * {@code Σ_b (d[b]·(q_b ⊙ x_b) + m[b]·Σx_b)} as q4_1's and q5_1's {@code dot} compute it: per block
     * {@code acc + (p·d + s·m)} with {@code p} the FMA chain and {@code s} the lane-wise sum of the block's
     * activations.
     */
    static float withMinimum(float[] q, float[] d, float[] m, int nb, float[] x, int xOff) {
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            FloatVector p = block(q, o, x, xOff + o);
            FloatVector s = sum(x, xOff + o);
            acc = acc.add(p.fma(FloatVector.broadcast(FB, d[b]), s.mul(FloatVector.broadcast(FB, m[b]))));
        }
        return Simd.sum(acc);
    }

    /**
     * {@link #scaled} for four activation rows at once, {@code x[x0 ..]} … {@code x[x3 ..]} (offsets may repeat), the
     * results into {@code out[0 .. 4)}: each row's operations are exactly those of {@link #scaled}, so the same bits,
     * while each widened weight vector and each block's scale is loaded once for the four rows — one weight load per
     * four FMAs instead of one per FMA, which keeps the kernel off the load ports' limit.
     */
    static void scaled4(float[] q, float[] d, int nb, float[] x, int x0, int x1, int x2, int x3, float[] out) {
        FloatVector a0 = FloatVector.zero(FB), a1 = a0, a2 = a0, a3 = a0;
        for (int b = 0; b < nb; b++) {
            int o = b * QK;
            FloatVector p0 = FloatVector.zero(FB), p1 = p0, p2 = p0, p3 = p0;
            for (int k = 0; k < QK; k += FB_LANES) { // a constant trip count (2 on AVX-512): unrolled by C2
                FloatVector w = FloatVector.fromArray(FB, q, o + k);
                p0 = w.fma(FloatVector.fromArray(FB, x, x0 + o + k), p0);
                p1 = w.fma(FloatVector.fromArray(FB, x, x1 + o + k), p1);
                p2 = w.fma(FloatVector.fromArray(FB, x, x2 + o + k), p2);
                p3 = w.fma(FloatVector.fromArray(FB, x, x3 + o + k), p3);
            }
            FloatVector s = FloatVector.broadcast(FB, d[b]);
            a0 = p0.fma(s, a0);
            a1 = p1.fma(s, a1);
            a2 = p2.fma(s, a2);
            a3 = p3.fma(s, a3);
        }
        out[0] = Simd.sum(a0);
        out[1] = Simd.sum(a1);
        out[2] = Simd.sum(a2);
        out[3] = Simd.sum(a3);
    }

    /** {@link #withMinimum} for four activation rows at once, as {@link #scaled4}: each row's operations unchanged. */
    static void withMinimum4(float[] q, float[] d, float[] m, int nb, float[] x, int x0, int x1, int x2, int x3, float[] out) {
        FloatVector a0 = FloatVector.zero(FB), a1 = a0, a2 = a0, a3 = a0;
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
        out[0] = Simd.sum(a0);
        out[1] = Simd.sum(a1);
        out[2] = Simd.sum(a2);
        out[3] = Simd.sum(a3);
    }

    /** q8_0's scalar last block (an odd block count): {@code (Σ_j q_j·x_j)·d}, summed in order. */
    static float scalarBlock(float[] q, float d, int o, float[] x, int xo) {
        float s = 0f;
        for (int j = 0; j < QK; j++) {
            s += q[o + j] * x[xo + j];
        }
        return s * d;
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

    /**
     * The FMA chain of one block, from zero: {@code Blocks.fma} over the block's two 16-value runs, i.e. 32 /
     * {@link Simd#FB_LANES} FMAs in value order. Written out for 16 and 8 lanes (no loop in the block code, see
     * {@link Blocks}).
     */
    private static FloatVector block(float[] q, int o, float[] x, int xo) {
        FloatVector p = FloatVector.zero(FB);
        if (FB_LANES == 16) {
            p = FloatVector.fromArray(FB, q, o).fma(FloatVector.fromArray(FB, x, xo), p);
            return FloatVector.fromArray(FB, q, o + 16).fma(FloatVector.fromArray(FB, x, xo + 16), p);
        }
        if (FB_LANES == 8) {
            p = FloatVector.fromArray(FB, q, o).fma(FloatVector.fromArray(FB, x, xo), p);
            p = FloatVector.fromArray(FB, q, o + 8).fma(FloatVector.fromArray(FB, x, xo + 8), p);
            p = FloatVector.fromArray(FB, q, o + 16).fma(FloatVector.fromArray(FB, x, xo + 16), p);
            return FloatVector.fromArray(FB, q, o + 24).fma(FloatVector.fromArray(FB, x, xo + 24), p);
        }
        for (int k = 0; k < QK; k += FB_LANES) {
            p = FloatVector.fromArray(FB, q, o + k).fma(FloatVector.fromArray(FB, x, xo + k), p);
        }
        return p;
    }

    /** {@code Blocks.add} over a block's two runs, from zero: the lane-wise sum of its 32 activations. */
    private static FloatVector sum(float[] x, int xo) {
        FloatVector s = FloatVector.zero(FB);
        if (FB_LANES == 16) {
            return s.add(FloatVector.fromArray(FB, x, xo)).add(FloatVector.fromArray(FB, x, xo + 16));
        }
        for (int k = 0; k < QK; k += FB_LANES) {
            s = s.add(FloatVector.fromArray(FB, x, xo + k));
        }
        return s;
    }
}
