package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;
import static dev.nextinfer.kernels.SuperBlockMatrix.SCALES;

import jdk.incubator.vector.FloatVector;

/**
 * The few-row kernel's arithmetic for {@link IQ4_XSMatrix}: per sub-block of 32 a chain of FMAs from zero that
 * alternates between its low-nibble half and its high-nibble half ({@code dot}'s order), one FMA with the
 * sub-block's scale into the super-block's chain, and per super-block one FMA with {@code d} into the running
 * vector. State per activation row: the running vector.
 *
 * <p>Arrays and integers in, the vector code of each method written once (see {@link Q4_KMatrix}).
 */
final class IQ4_XSRows {
    /** Floats of state per activation row. */
    static final int STATE = FB_LANES;

    private IQ4_XSRows() {
    }

    /**
     * A widened row of {@code nb} super-blocks ({@code q}: its table values; per super-block {@link
     * SuperBlockMatrix#SCALES} floats of {@code s}: the 8 scales as floats {@code ls − 32}, then {@code d}) against
     * four activation rows, continuing their running vectors.
     */
    static void four(int nb, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        FloatVector a0 = FloatVector.fromArray(FB, st, a);
        FloatVector a1 = FloatVector.fromArray(FB, st, a + aStride);
        FloatVector a2 = FloatVector.fromArray(FB, st, a + 2 * aStride);
        FloatVector a3 = FloatVector.fromArray(FB, st, a + 3 * aStride);
        for (int b = 0; b < nb; b++) {
            FloatVector s0 = FloatVector.zero(FB), s1 = s0, s2 = s0, s3 = s0;
            for (int j = 0; j < 8; j++) {
                FloatVector p0 = FloatVector.zero(FB), p1 = p0, p2 = p0, p3 = p0;
                int v = 256 * b + 32 * j;
                for (int k = v; k < v + 16; k += FB_LANES) {
                    FloatVector lo = FloatVector.fromArray(FB, q, k);
                    FloatVector hi = FloatVector.fromArray(FB, q, k + 16);
                    p0 = hi.fma(FloatVector.fromArray(FB, x, x0 + k + 16), lo.fma(FloatVector.fromArray(FB, x, x0 + k), p0));
                    p1 = hi.fma(FloatVector.fromArray(FB, x, x1 + k + 16), lo.fma(FloatVector.fromArray(FB, x, x1 + k), p1));
                    p2 = hi.fma(FloatVector.fromArray(FB, x, x2 + k + 16), lo.fma(FloatVector.fromArray(FB, x, x2 + k), p2));
                    p3 = hi.fma(FloatVector.fromArray(FB, x, x3 + k + 16), lo.fma(FloatVector.fromArray(FB, x, x3 + k), p3));
                }
                FloatVector sc = FloatVector.broadcast(FB, s[SCALES * b + j]);
                s0 = p0.fma(sc, s0);
                s1 = p1.fma(sc, s1);
                s2 = p2.fma(sc, s2);
                s3 = p3.fma(sc, s3);
            }
            FloatVector d = FloatVector.broadcast(FB, s[SCALES * b + 8]);
            a0 = s0.fma(d, a0);
            a1 = s1.fma(d, a1);
            a2 = s2.fma(d, a2);
            a3 = s3.fma(d, a3);
        }
        a0.intoArray(st, a);
        a1.intoArray(st, a + aStride);
        a2.intoArray(st, a + 2 * aStride);
        a3.intoArray(st, a + 3 * aStride);
    }

    /** {@code dot}'s result: the running vector's lane sum. */
    static float result(float[] st, int a) {
        return Simd.sumOf(st, a);
    }
}
