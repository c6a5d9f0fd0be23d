package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link F16Tiles} for {@link KvTileFormat#Q4_0} tiles: a decode step's scores and weighted values read the 4-bit
 * quants and f16 scales in place, each vector's nibbles unpacked, widened and scaled in registers next to the 8 FMAs
 * that use it, with no f32 copy of the tile. The widened value is {@code (q − 8) · scale} rounded once, exactly as
 * the tile decoder computes it, and the sums run in the same order, so the bits are those of the decoded tile. Like
 * {@link Q8Tiles}, it mirrors F16Tiles' tiles but for the widening step (a shared kernel would box its vectors).
 */
final class Q4Tiles {
    private static final VectorSpecies<Float> T = Simd.FB;
    private static final VectorSpecies<Byte> B = Simd.BL;
    private static final int P = GqaAttention.BLOCK;
    private static final int QK = Blocks.QK;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private Q4Tiles() {
    }

    /** Whether heads of width {@code hd} fit the kernels: blocks of 32, two vectors never leaving one block. */
    static boolean fits(int hd) {
        return hd % QK == 0 && QK % (2 * T.length()) == 0;
    }

    /**
     * {@link Simd#FB_LANES} quants minus 8 from the low ({@code shift} 0) or high ({@code shift} 4) nibbles of the bytes
     * at {@code at}, widened to f32. (Shifted as ints, which x86 does in one instruction; part 0 of the load.)
     */
    private static FloatVector quants(MemorySegment seg, long at, int shift) {
        return widen(ByteVector.fromMemorySegment(B, seg, at, LE).reinterpretAsInts().lanewise(VectorOperators.LSHR, shift)
                .reinterpretAsBytes());
    }

    private static FloatVector widen(ByteVector v) {
        return (FloatVector) v.and((byte) 0x0F).sub((byte) 8).convertShape(VectorOperators.B2F, T, 0);
    }

    /**
     * {@code p[r][j] = q_r·k_j} for rows {@code r0 .. r0+m} (m ≤ 8) and the tile's positions {@code j < n}, keys
     * read from the q4_0 key region at {@code kOff} (positions below 32 in the low nibbles, the rest in the high): a register tile of 8 rows × 2 vectors of positions, so every
     * widened key vector feeds 8 FMAs and every broadcast query element 2. Rows past
     * m repeat row r0 and are not stored; positions up to the vector's end are computed even past n, never read.
     */
    static void scores(MemorySegment seg, long kOff, float[] q, int qOff, int qStride, int r0, int m, int n, int hd,
                       float[] p) {
        int lanes = T.length();
        int q0 = qOff + r0 * qStride;
        int q1 = m > 1 ? q0 + qStride : q0;
        int q2 = m > 2 ? q0 + 2 * qStride : q0;
        int q3 = m > 3 ? q0 + 3 * qStride : q0;
        int q4 = m > 4 ? q0 + 4 * qStride : q0;
        int q5 = m > 5 ? q0 + 5 * qStride : q0;
        int q6 = m > 6 ? q0 + 6 * qStride : q0;
        int q7 = m > 7 ? q0 + 7 * qStride : q0;
        for (int j0 = 0; j0 < n; j0 += 2 * lanes) {
            FloatVector a00 = FloatVector.zero(T), a01 = FloatVector.zero(T), a10 = FloatVector.zero(T), a11 = FloatVector.zero(T);
            FloatVector a20 = FloatVector.zero(T), a21 = FloatVector.zero(T), a30 = FloatVector.zero(T), a31 = FloatVector.zero(T);
            FloatVector a40 = FloatVector.zero(T), a41 = FloatVector.zero(T), a50 = FloatVector.zero(T), a51 = FloatVector.zero(T);
            FloatVector a60 = FloatVector.zero(T), a61 = FloatVector.zero(T), a70 = FloatVector.zero(T), a71 = FloatVector.zero(T);
            FloatVector s0 = FloatVector.zero(T), s1 = FloatVector.zero(T);
            int shift = j0 < QK ? 0 : 4; // j0 and j0 + lanes lie in the same half (2·lanes divides 32)
            for (int d = 0; d < hd; d++) {
                if (d % QK == 0) { // the block's scales of these positions
                    long s = kOff + (long) hd * P / 2 + 2L * (d / QK * P + j0);
                    s0 = F16Tiles.widen(seg, s);
                    s1 = F16Tiles.widen(seg, s + 2L * lanes);
                }
                long at = kOff + (long) d * QK + j0 % QK;
                FloatVector x = quants(seg, at, shift).mul(s0);
                FloatVector y = quants(seg, at + lanes, shift).mul(s1);
                FloatVector b = FloatVector.broadcast(T, q[q0 + d]);
                a00 = x.fma(b, a00);
                a01 = y.fma(b, a01);
                b = FloatVector.broadcast(T, q[q1 + d]);
                a10 = x.fma(b, a10);
                a11 = y.fma(b, a11);
                b = FloatVector.broadcast(T, q[q2 + d]);
                a20 = x.fma(b, a20);
                a21 = y.fma(b, a21);
                b = FloatVector.broadcast(T, q[q3 + d]);
                a30 = x.fma(b, a30);
                a31 = y.fma(b, a31);
                b = FloatVector.broadcast(T, q[q4 + d]);
                a40 = x.fma(b, a40);
                a41 = y.fma(b, a41);
                b = FloatVector.broadcast(T, q[q5 + d]);
                a50 = x.fma(b, a50);
                a51 = y.fma(b, a51);
                b = FloatVector.broadcast(T, q[q6 + d]);
                a60 = x.fma(b, a60);
                a61 = y.fma(b, a61);
                b = FloatVector.broadcast(T, q[q7 + d]);
                a70 = x.fma(b, a70);
                a71 = y.fma(b, a71);
            }
            int o = r0 * P + j0;
            a00.intoArray(p, o);
            a01.intoArray(p, o + T.length());
            if (m > 1) {
                a10.intoArray(p, o + P);
                a11.intoArray(p, o + P + T.length());
            }
            if (m > 2) {
                a20.intoArray(p, o + 2 * P);
                a21.intoArray(p, o + 2 * P + T.length());
            }
            if (m > 3) {
                a30.intoArray(p, o + 3 * P);
                a31.intoArray(p, o + 3 * P + T.length());
            }
            if (m > 4) {
                a40.intoArray(p, o + 4 * P);
                a41.intoArray(p, o + 4 * P + T.length());
            }
            if (m > 5) {
                a50.intoArray(p, o + 5 * P);
                a51.intoArray(p, o + 5 * P + T.length());
            }
            if (m > 6) {
                a60.intoArray(p, o + 6 * P);
                a61.intoArray(p, o + 6 * P + T.length());
            }
            if (m > 7) {
                a70.intoArray(p, o + 7 * P);
                a71.intoArray(p, o + 7 * P + T.length());
            }
        }
    }

    /**
     * {@code acc_r += Σ_{j<n} p[r][j]·v_j} for rows {@code r0 .. r0+m} (m ≤ 8), values read from the q4_0 region at
     * {@code vOff} (slots from 0): 8 rows × 2 vectors of the head dimension at a time, every widened value vector
     * feeding 8 FMAs and every broadcast weight 2.
     */
    static void weightedValues(MemorySegment seg, long vOff, float[] p, int r0, int m, int n, int hd, float[] acc) {
        for (int d = 0; d < hd; d += 2 * T.length()) {
            valuesTile(seg, vOff, p, r0, m, n, hd, d, acc);
        }
    }

    /** The tile of {@link #weightedValues} at head offset d (its own method, like {@code GqaAttention.valuesTile}). */
    private static void valuesTile(MemorySegment seg, long vOff, float[] p, int r0, int m, int n, int hd, int d,
                                   float[] acc) {
        int lanes = T.length();
        int b0 = r0 * P;
        int b1 = m > 1 ? b0 + P : b0;
        int b2 = m > 2 ? b0 + 2 * P : b0;
        int b3 = m > 3 ? b0 + 3 * P : b0;
        int b4 = m > 4 ? b0 + 4 * P : b0;
        int b5 = m > 5 ? b0 + 5 * P : b0;
        int b6 = m > 6 ? b0 + 6 * P : b0;
        int b7 = m > 7 ? b0 + 7 * P : b0;
        int o0 = r0 * hd + d;
        int o1 = m > 1 ? o0 + hd : o0;
        int o2 = m > 2 ? o0 + 2 * hd : o0;
        int o3 = m > 3 ? o0 + 3 * hd : o0;
        int o4 = m > 4 ? o0 + 4 * hd : o0;
        int o5 = m > 5 ? o0 + 5 * hd : o0;
        int o6 = m > 6 ? o0 + 6 * hd : o0;
        int o7 = m > 7 ? o0 + 7 * hd : o0;
        FloatVector a00 = FloatVector.fromArray(T, acc, o0), a01 = FloatVector.fromArray(T, acc, o0 + lanes);
        FloatVector a10 = FloatVector.fromArray(T, acc, o1), a11 = FloatVector.fromArray(T, acc, o1 + lanes);
        FloatVector a20 = FloatVector.fromArray(T, acc, o2), a21 = FloatVector.fromArray(T, acc, o2 + lanes);
        FloatVector a30 = FloatVector.fromArray(T, acc, o3), a31 = FloatVector.fromArray(T, acc, o3 + lanes);
        FloatVector a40 = FloatVector.fromArray(T, acc, o4), a41 = FloatVector.fromArray(T, acc, o4 + lanes);
        FloatVector a50 = FloatVector.fromArray(T, acc, o5), a51 = FloatVector.fromArray(T, acc, o5 + lanes);
        FloatVector a60 = FloatVector.fromArray(T, acc, o6), a61 = FloatVector.fromArray(T, acc, o6 + lanes);
        FloatVector a70 = FloatVector.fromArray(T, acc, o7), a71 = FloatVector.fromArray(T, acc, o7 + lanes);
        int nb = hd / QK;
        long scales = vOff + (long) hd * P / 2 + 2L * (d / QK);
        // component e of a block: byte e of its 16 (low nibble) for e < 16, byte e − 16 (high nibble) above; both
        // vectors of the tile lie in the same half (2·lanes divides 16 or equals 32)
        int e = d % QK;
        int shift = e < QK / 2 ? 0 : 4;
        long first = vOff + 16L * (d / QK) + e % (QK / 2);
        boolean halves = 2 * lanes == QK; // 16 lanes: the low nibbles are one vector, the high ones the other
        for (int j = 0; j < n; j++) {
            long at = first + 16L * j * nb;
            FloatVector s = FloatVector.broadcast(T, Blocks.scale(seg, scales + 2L * j * nb));
            FloatVector x = quants(seg, at, halves ? 0 : shift).mul(s);
            FloatVector y = (halves ? quants(seg, at, 4) : quants(seg, at + lanes, shift)).mul(s);
            FloatVector w = FloatVector.broadcast(T, p[b0 + j]);
            a00 = x.fma(w, a00);
            a01 = y.fma(w, a01);
            w = FloatVector.broadcast(T, p[b1 + j]);
            a10 = x.fma(w, a10);
            a11 = y.fma(w, a11);
            w = FloatVector.broadcast(T, p[b2 + j]);
            a20 = x.fma(w, a20);
            a21 = y.fma(w, a21);
            w = FloatVector.broadcast(T, p[b3 + j]);
            a30 = x.fma(w, a30);
            a31 = y.fma(w, a31);
            w = FloatVector.broadcast(T, p[b4 + j]);
            a40 = x.fma(w, a40);
            a41 = y.fma(w, a41);
            w = FloatVector.broadcast(T, p[b5 + j]);
            a50 = x.fma(w, a50);
            a51 = y.fma(w, a51);
            w = FloatVector.broadcast(T, p[b6 + j]);
            a60 = x.fma(w, a60);
            a61 = y.fma(w, a61);
            w = FloatVector.broadcast(T, p[b7 + j]);
            a70 = x.fma(w, a70);
            a71 = y.fma(w, a71);
        }
        // rows past m alias row r0 and are not stored; stores go last-row-first so row r0's own values win
        if (m > 7) {
            a70.intoArray(acc, o7);
            a71.intoArray(acc, o7 + T.length());
        }
        if (m > 6) {
            a60.intoArray(acc, o6);
            a61.intoArray(acc, o6 + T.length());
        }
        if (m > 5) {
            a50.intoArray(acc, o5);
            a51.intoArray(acc, o5 + T.length());
        }
        if (m > 4) {
            a40.intoArray(acc, o4);
            a41.intoArray(acc, o4 + T.length());
        }
        if (m > 3) {
            a30.intoArray(acc, o3);
            a31.intoArray(acc, o3 + T.length());
        }
        if (m > 2) {
            a20.intoArray(acc, o2);
            a21.intoArray(acc, o2 + T.length());
        }
        if (m > 1) {
            a10.intoArray(acc, o1);
            a11.intoArray(acc, o1 + T.length());
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + T.length());
    }
}
