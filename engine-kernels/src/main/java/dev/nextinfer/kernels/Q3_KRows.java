package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;
import static dev.nextinfer.kernels.SuperBlockMatrix.SCALES;

import jdk.incubator.vector.FloatVector;

/**
 * The few-row kernel's arithmetic for {@link Q3_KMatrix}: per super-block a chain from zero over its 16 runs of 16
 * values (the widened quants times the activations, then one FMA with the run's scale), in value order, then one FMA
 * with {@code d} into the running vector. State per activation row: the running vector.
 *
 * <p>Arrays and integers in, the vector code of each method written once (see {@link Q4_KMatrix}).
 */
final class Q3_KRows {
    /** Floats of state per activation row. */
    static final int STATE = FB_LANES;

    private Q3_KRows() {
    }

    /**
     * A widened row of {@code nb} super-blocks ({@code q}: its values; per super-block {@link SuperBlockMatrix#SCALES}
     * floats of {@code s}: the 16 scales as floats {@code sc − 32}, then {@code d}) against four activation rows,
     * continuing their running vectors.
     */
    static void four(int nb, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        FloatVector a0 = FloatVector.fromArray(FB, st, a);
        FloatVector a1 = FloatVector.fromArray(FB, st, a + aStride);
        FloatVector a2 = FloatVector.fromArray(FB, st, a + 2 * aStride);
        FloatVector a3 = FloatVector.fromArray(FB, st, a + 3 * aStride);
        for (int b = 0; b < nb; b++) {
            FloatVector p0 = FloatVector.zero(FB), p1 = p0, p2 = p0, p3 = p0;
            for (int j = 0; j < 16; j++) {
                FloatVector sc = FloatVector.broadcast(FB, s[SCALES * b + j]);
                int v = 256 * b + 16 * j;
                for (int k = v; k < v + 16; k += FB_LANES) {
                    FloatVector w = FloatVector.fromArray(FB, q, k);
                    p0 = w.mul(FloatVector.fromArray(FB, x, x0 + k)).fma(sc, p0);
                    p1 = w.mul(FloatVector.fromArray(FB, x, x1 + k)).fma(sc, p1);
                    p2 = w.mul(FloatVector.fromArray(FB, x, x2 + k)).fma(sc, p2);
                    p3 = w.mul(FloatVector.fromArray(FB, x, x3 + k)).fma(sc, p3);
                }
            }
            FloatVector d = FloatVector.broadcast(FB, s[SCALES * b + 16]);
            a0 = p0.fma(d, a0);
            a1 = p1.fma(d, a1);
            a2 = p2.fma(d, a2);
            a3 = p3.fma(d, a3);
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
