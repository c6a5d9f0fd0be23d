package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;
import static dev.nextinfer.kernels.SuperBlockMatrix.SCALES;

import jdk.incubator.vector.FloatVector;

/**
 * The few-row kernel's arithmetic for {@link Q6_KMatrix}: per run of 16 values, the widened quants times the
 * activations, then one FMA with the sub-block's scale into the running vector — the low-nibble quarters into one,
 * the high-nibble quarters into the other, in {@code dot}'s order (super-block, half, 16-byte column, quarter).
 * State per activation row: the two running vectors.
 *
 * <p>A widened row is {@code q} (its values) and {@code s} ({@link SuperBlockMatrix#SCALES} per super-block:
 * {@code d·scales[0..16)}). Arrays and integers in, the vector code of each method written once (see
 * {@link Q4_KMatrix}).
 */
final class Q6_KRows {
    /** Floats of state per activation row. */
    static final int STATE = 2 * FB_LANES;

    private Q6_KRows() {
    }

    /**
     * Value index of run {@code i} (of 8 per super-block, in {@code dot}'s order: half, column, quarter) of the
     * low-nibble quarters; its high-nibble partner is 64 further.
     */
    private static int run(int i) {
        return 256 * (i >> 3) + 128 * (i >> 2 & 1) + 32 * (i & 1) + 16 * (i >> 1 & 1);
    }

    /**
     * A widened row of {@code nb} super-blocks against four activation rows, continuing their running vectors: each
     * weight vector is loaded once for the four.
     */
    static void four(int nb, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        int b0 = a, b1 = b0 + aStride, b2 = b1 + aStride, b3 = b2 + aStride;
        FloatVector l0 = FloatVector.fromArray(FB, st, b0), h0 = FloatVector.fromArray(FB, st, b0 + FB_LANES);
        FloatVector l1 = FloatVector.fromArray(FB, st, b1), h1 = FloatVector.fromArray(FB, st, b1 + FB_LANES);
        FloatVector l2 = FloatVector.fromArray(FB, st, b2), h2 = FloatVector.fromArray(FB, st, b2 + FB_LANES);
        FloatVector l3 = FloatVector.fromArray(FB, st, b3), h3 = FloatVector.fromArray(FB, st, b3 + FB_LANES);
        int runs = 8 * nb;
        for (int i = 0; i < runs; i++) {
            int v = run(i);
            int j = SCALES * (i >> 3) + (v >> 4 & 15);
            FloatVector sl = FloatVector.broadcast(FB, s[j]);
            FloatVector sh = FloatVector.broadcast(FB, s[j + 4]);
            for (int k = v; k < v + 16; k += FB_LANES) {
                FloatVector wl = FloatVector.fromArray(FB, q, k);
                FloatVector wh = FloatVector.fromArray(FB, q, k + 64);
                l0 = wl.mul(FloatVector.fromArray(FB, x, x0 + k)).fma(sl, l0);
                l1 = wl.mul(FloatVector.fromArray(FB, x, x1 + k)).fma(sl, l1);
                l2 = wl.mul(FloatVector.fromArray(FB, x, x2 + k)).fma(sl, l2);
                l3 = wl.mul(FloatVector.fromArray(FB, x, x3 + k)).fma(sl, l3);
                h0 = wh.mul(FloatVector.fromArray(FB, x, x0 + k + 64)).fma(sh, h0);
                h1 = wh.mul(FloatVector.fromArray(FB, x, x1 + k + 64)).fma(sh, h1);
                h2 = wh.mul(FloatVector.fromArray(FB, x, x2 + k + 64)).fma(sh, h2);
                h3 = wh.mul(FloatVector.fromArray(FB, x, x3 + k + 64)).fma(sh, h3);
            }
        }
        l0.intoArray(st, b0);
        h0.intoArray(st, b0 + FB_LANES);
        l1.intoArray(st, b1);
        h1.intoArray(st, b1 + FB_LANES);
        l2.intoArray(st, b2);
        h2.intoArray(st, b2 + FB_LANES);
        l3.intoArray(st, b3);
        h3.intoArray(st, b3 + FB_LANES);
    }

    /** {@code dot}'s result: the lane sum of the two running vectors' sum. */
    static float result(float[] st, int a) {
        return Simd.sumPair(st, a);
    }
}
