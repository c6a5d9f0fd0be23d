package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;
import static dev.nextinfer.kernels.SuperBlockMatrix.SCALES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * The few-row kernel's arithmetic for {@link Q4_KMatrix} and {@link Q5_KMatrix}, whose {@code dot}s differ only in
 * how the quants are put together (their {@code groups}, then {@link KScaleMin#scaleRow}'s minimums): per 64-value
 * group a chain of FMAs from zero over the even sub-block's 32 values and one over the odd one's, each then one FMA
 * with its scale into the even or the odd running vector. State per activation row: the even running vector, the
 * odd one, and the minimums' running vector ({@link #minimums}), {@link Simd#FB_LANES} floats each.
 *
 * <p>Unlike the other K formats these two do not widen their quants into an array first: their {@code dot} is so
 * lean (a load, an AND or a shift, a widening per 16 values) that storing and reloading the widened row cost as much
 * as it saved — measured with 4 activation rows on 512 × 2048: 1.12–1.14× the time of 4 mat-vecs widened, 0.67–0.86×
 * unpacked in registers once for the four. The scales ({@link SuperBlockMatrix#SCALES} floats per super-block:
 * {@code d·sc[0..8)}, then {@code dmin·m[0..8)}) are still converted once per row for all activation rows.
 *
 * <p>Arrays, a segment and integers in, so that each method is compiled on its own without boxing a vector (see
 * {@link Q4_KMatrix}); the vector code of each is written once.
 */
final class KGroupRows {
    /** Floats of state per activation row. */
    static final int STATE = 3 * FB_LANES;

    private KGroupRows() {
    }

    /**
     * Q4_K's groups of a row for four activation rows, continuing their running vectors: each 16 bytes of quants
     * are loaded, split into nibbles and widened once for the four ({@code dot}'s operations on them otherwise).
     * {@code o} is the row's first super-block, {@code s} its scales ({@link Q4_KMatrix#widen}).
     */
    static void q4(MemorySegment data, long o, int nb, float[] s, float[] x, int xo, int xStride, float[] st,
                       int a, int aStride) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        int b0 = a, b1 = b0 + aStride, b2 = b1 + aStride, b3 = b2 + aStride;
        FloatVector e0 = FloatVector.fromArray(FB, st, b0), o0 = FloatVector.fromArray(FB, st, b0 + FB_LANES);
        FloatVector e1 = FloatVector.fromArray(FB, st, b1), o1 = FloatVector.fromArray(FB, st, b1 + FB_LANES);
        FloatVector e2 = FloatVector.fromArray(FB, st, b2), o2 = FloatVector.fromArray(FB, st, b2 + FB_LANES);
        FloatVector e3 = FloatVector.fromArray(FB, st, b3), o3 = FloatVector.fromArray(FB, st, b3 + FB_LANES);
        int groups = 4 * nb;
        for (int g = 0; g < groups; g++) {
            int v = 64 * g;
            long qg = o + (long) (g >> 2) * Q4_KMatrix.BLOCK_BYTES + 16 + 32 * (g & 3);
            FloatVector pe0 = FloatVector.zero(FB), pe1 = pe0, pe2 = pe0, pe3 = pe0;
            FloatVector po0 = pe0, po1 = pe0, po2 = pe0, po3 = pe0;
            for (int c = 0; c < 32; c += 16) {
                ByteVector bv = KBlocks.load16(data, qg + c);
                ByteVector lo = bv.and((byte) 0x0F);
                ByteVector hi = KBlocks.high4(bv);
                for (int kk = 0; kk < 16; kk += FB_LANES) {
                    int k = v + c + kk;
                    FloatVector we = KBlocks.widen16(lo, kk);
                    FloatVector wo = KBlocks.widen16(hi, kk);
                    pe0 = we.fma(FloatVector.fromArray(FB, x, x0 + k), pe0);
                    pe1 = we.fma(FloatVector.fromArray(FB, x, x1 + k), pe1);
                    pe2 = we.fma(FloatVector.fromArray(FB, x, x2 + k), pe2);
                    pe3 = we.fma(FloatVector.fromArray(FB, x, x3 + k), pe3);
                    po0 = wo.fma(FloatVector.fromArray(FB, x, x0 + k + 32), po0);
                    po1 = wo.fma(FloatVector.fromArray(FB, x, x1 + k + 32), po1);
                    po2 = wo.fma(FloatVector.fromArray(FB, x, x2 + k + 32), po2);
                    po3 = wo.fma(FloatVector.fromArray(FB, x, x3 + k + 32), po3);
                }
            }
            int j = SCALES * (g >> 2) + 2 * (g & 3);
            FloatVector se = FloatVector.broadcast(FB, s[j]);
            FloatVector so = FloatVector.broadcast(FB, s[j + 1]);
            e0 = pe0.fma(se, e0);
            e1 = pe1.fma(se, e1);
            e2 = pe2.fma(se, e2);
            e3 = pe3.fma(se, e3);
            o0 = po0.fma(so, o0);
            o1 = po1.fma(so, o1);
            o2 = po2.fma(so, o2);
            o3 = po3.fma(so, o3);
        }
        e0.intoArray(st, b0);
        o0.intoArray(st, b0 + FB_LANES);
        e1.intoArray(st, b1);
        o1.intoArray(st, b1 + FB_LANES);
        e2.intoArray(st, b2);
        o2.intoArray(st, b2 + FB_LANES);
        e3.intoArray(st, b3);
        o3.intoArray(st, b3 + FB_LANES);
    }

    /**
     * {@link #q4} for Q5_K: the nibbles with their fifth bits ({@link Q5_KMatrix#bit4}) OR-ed in, as its
     * {@code dot} puts them together. {@code s}: {@link Q5_KMatrix#widen}.
     */
    static void q5(MemorySegment data, long o, int nb, float[] s, float[] x, int xo, int xStride, float[] st,
                       int a, int aStride) {
        int x0 = xo, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        int b0 = a, b1 = b0 + aStride, b2 = b1 + aStride, b3 = b2 + aStride;
        FloatVector e0 = FloatVector.fromArray(FB, st, b0), o0 = FloatVector.fromArray(FB, st, b0 + FB_LANES);
        FloatVector e1 = FloatVector.fromArray(FB, st, b1), o1 = FloatVector.fromArray(FB, st, b1 + FB_LANES);
        FloatVector e2 = FloatVector.fromArray(FB, st, b2), o2 = FloatVector.fromArray(FB, st, b2 + FB_LANES);
        FloatVector e3 = FloatVector.fromArray(FB, st, b3), o3 = FloatVector.fromArray(FB, st, b3 + FB_LANES);
        int groups = 4 * nb;
        for (int g = 0; g < groups; g++) {
            int v = 64 * g;
            long ob = o + (long) (g >> 2) * Q5_KMatrix.BLOCK_BYTES;
            long qg = ob + 48 + 32 * (g & 3);
            FloatVector pe0 = FloatVector.zero(FB), pe1 = pe0, pe2 = pe0, pe3 = pe0;
            FloatVector po0 = pe0, po1 = pe0, po2 = pe0, po3 = pe0;
            for (int c = 0; c < 32; c += 16) {
                ByteVector bv = KBlocks.load16(data, qg + c);
                ByteVector h = KBlocks.load16(data, ob + 16 + c);
                ByteVector lo = bv.and((byte) 0x0F).or(Q5_KMatrix.bit4(h, 2 * (g & 3)));
                ByteVector hi = KBlocks.high4(bv).or(Q5_KMatrix.bit4(h, 2 * (g & 3) + 1));
                for (int kk = 0; kk < 16; kk += FB_LANES) {
                    int k = v + c + kk;
                    FloatVector we = KBlocks.widen16(lo, kk);
                    FloatVector wo = KBlocks.widen16(hi, kk);
                    pe0 = we.fma(FloatVector.fromArray(FB, x, x0 + k), pe0);
                    pe1 = we.fma(FloatVector.fromArray(FB, x, x1 + k), pe1);
                    pe2 = we.fma(FloatVector.fromArray(FB, x, x2 + k), pe2);
                    pe3 = we.fma(FloatVector.fromArray(FB, x, x3 + k), pe3);
                    po0 = wo.fma(FloatVector.fromArray(FB, x, x0 + k + 32), po0);
                    po1 = wo.fma(FloatVector.fromArray(FB, x, x1 + k + 32), po1);
                    po2 = wo.fma(FloatVector.fromArray(FB, x, x2 + k + 32), po2);
                    po3 = wo.fma(FloatVector.fromArray(FB, x, x3 + k + 32), po3);
                }
            }
            int j = SCALES * (g >> 2) + 2 * (g & 3);
            FloatVector se = FloatVector.broadcast(FB, s[j]);
            FloatVector so = FloatVector.broadcast(FB, s[j + 1]);
            e0 = pe0.fma(se, e0);
            e1 = pe1.fma(se, e1);
            e2 = pe2.fma(se, e2);
            e3 = pe3.fma(se, e3);
            o0 = po0.fma(so, o0);
            o1 = po1.fma(so, o1);
            o2 = po2.fma(so, o2);
            o3 = po3.fma(so, o3);
        }
        e0.intoArray(st, b0);
        o0.intoArray(st, b0 + FB_LANES);
        e1.intoArray(st, b1);
        o1.intoArray(st, b1 + FB_LANES);
        e2.intoArray(st, b2);
        o2.intoArray(st, b2 + FB_LANES);
        e3.intoArray(st, b3);
        o3.intoArray(st, b3 + FB_LANES);
    }

    /**
     * {@link KScaleMin#scaleRow}'s minimums chain of one activation row over a row of {@code nb} super-blocks: per
     * super-block its 16 scaled scales and minimums times {@link KScaleMin#prepare}'s 8 zeros and 8 sums, FB_LANES
     * lanes at a time, into the running vector at {@code st[a + 2·FB_LANES]}.
     */
    static void minimums(int nb, float[] s, float[] prepared, float[] st, int a) {
        FloatVector mins = FloatVector.fromArray(FB, st, a + 2 * FB_LANES);
        for (int b = 0; b < nb; b++) {
            for (int c = 0; c < 16; c += FB_LANES) {
                FloatVector scaled = FloatVector.fromArray(FB, s, SCALES * b + c);
                mins = scaled.fma(FloatVector.fromArray(FB, prepared, 16 * b + c), mins);
            }
        }
        mins.intoArray(st, a + 2 * FB_LANES);
    }

    /** {@code dot}'s result: {@code Σ(even + odd) − Σ minimums}. */
    static float result(float[] st, int a) {
        // scalar lane sums (Simd.sumPair): no vector is handed to a method that might not be inlined
        return Simd.sumPair(st, a) - Simd.sumOf(st, a + 2 * FB_LANES);
    }
}
