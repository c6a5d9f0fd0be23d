package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;
import static dev.nextinfer.kernels.SuperBlockMatrix.SCALES;

import jdk.incubator.vector.FloatVector;

/**
 * The few-row kernel's arithmetic for {@link Q2_KMatrix}: one running vector over the whole row, per run of 16
 * values the widened quants times the activations, then one FMA with the run's scale, in value order; and the 16
 * lanes of the minimums' term ({@code dot}'s prologue). State per activation row: the running vector, then the 16
 * minimum lanes.
 *
 * <p>Arrays and integers in, the vector code of each method written once (see {@link Q4_KMatrix}).
 */
final class Q2_KRows {
    /** Floats of state per activation row. */
    static final int STATE = FB_LANES + 16;

    private Q2_KRows() {
    }

    /**
     * A widened row of {@code nb} super-blocks ({@code q}: its values; per super-block {@link SuperBlockMatrix#SCALES}
     * floats of {@code s}: {@code d·(sc & 15)}, then {@code dmin·(sc >> 4)}) against four activation rows, continuing
     * their running vectors.
     */
    static void four(int nb, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        FloatVector p0 = FloatVector.fromArray(FB, st, a);
        FloatVector p1 = FloatVector.fromArray(FB, st, a + aStride);
        FloatVector p2 = FloatVector.fromArray(FB, st, a + 2 * aStride);
        FloatVector p3 = FloatVector.fromArray(FB, st, a + 3 * aStride);
        int runs = 16 * nb;
        for (int j = 0; j < runs; j++) {
            FloatVector sc = FloatVector.broadcast(FB, s[SCALES * (j >> 4) + (j & 15)]);
            for (int k = 16 * j; k < 16 * j + 16; k += FB_LANES) {
                FloatVector w = FloatVector.fromArray(FB, q, k);
                p0 = w.mul(FloatVector.fromArray(FB, x, x0 + k)).fma(sc, p0);
                p1 = w.mul(FloatVector.fromArray(FB, x, x1 + k)).fma(sc, p1);
                p2 = w.mul(FloatVector.fromArray(FB, x, x2 + k)).fma(sc, p2);
                p3 = w.mul(FloatVector.fromArray(FB, x, x3 + k)).fma(sc, p3);
            }
        }
        p0.intoArray(st, a);
        p1.intoArray(st, a + aStride);
        p2.intoArray(st, a + 2 * aStride);
        p3.intoArray(st, a + 3 * aStride);
    }

    /**
     * The prologue's minimums of one activation row over a row of {@code nb} super-blocks: per super-block, lane-wise,
     * its 16 {@code dmin·(sc >> 4)} times the activations' 16 sums of the super-block ({@code sums}) plus the running
     * lanes {@code st[a + FB_LANES ..]}.
     */
    static void minimums(int nb, float[] s, float[] sums, float[] st, int a) {
        for (int c = 0; c < 16; c += FB_LANES) {
            FloatVector m = FloatVector.fromArray(FB, st, a + FB_LANES + c);
            for (int b = 0; b < nb; b++) {
                FloatVector mins = FloatVector.fromArray(FB, s, SCALES * b + 16 + c);
                m = mins.fma(FloatVector.fromArray(FB, sums, 16 * b + c), m);
            }
            m.intoArray(st, a + FB_LANES + c);
        }
    }

    /** {@code dot}'s result: the running vector's lane sum minus the minimum lanes added in order. */
    static float result(float[] st, int a) {
        float mins = 0f;
        for (int i = a + FB_LANES; i < a + FB_LANES + 16; i++) {
            mins += st[i];
        }
        return Simd.sumOf(st, a) - mins;
    }
}
