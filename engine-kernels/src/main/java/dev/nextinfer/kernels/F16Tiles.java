package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two halves of {@link GqaAttention}'s block step for up to 8 query rows, reading an {@link KvTileFormat#F16}
 * tile in place: each f16 vector is widened in registers right where its FMAs use it, instead of a decode pass that
 * writes the tile out as f32 and the FMA loops that read it back. At a decode step's 8 rows the separate pass was
 * two thirds of attention's time at depth (it streamed the cache at about half the rate a plain read reaches, the
 * 64 KB f32 tile spilling out of L1), while the FMAs kept pace with the memory they waited on. Same sums in the same
 * order as the f32 tile kernels, so the same bits.
 */
final class F16Tiles {
    private static final VectorSpecies<Float> T = Simd.FB;
    private static final VectorSpecies<Integer> TI = T.withLanes(int.class);
    /** f16 lanes that widen to one {@link #T} vector. */
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(T.length() * Short.SIZE));
    private static final int P = GqaAttention.BLOCK;
    private static final int RUN = KvTileFormat.RUN;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /**
     * The factor {@link #widen} multiplies by, which {@link #scores} and {@link #weightedValues} leave to their other
     * operand: a power of two, so {@code (k·2^−112)·(q·2^112)} is the same real number as {@code k·q} and every FMA
     * rounds to the same bits, one multiply per query element or weight instead of one per cached value.
     */
    static final float SCALE = 0x1p112f;
    /** Largest |query| whose product with {@link #SCALE} is a finite float. */
    private static final float MAX_QUERY = 0x1p16f;

    private F16Tiles() {
    }

    /** Whether heads of width {@code hd} fit the kernels: whole pairs of vectors, no vector straddling two of f16's runs. */
    static boolean fits(int hd) {
        return hd % (2 * T.length()) == 0 && RUN % T.length() == 0;
    }

    /**
     * f16 at {@code off} → f32, exact for every finite half. The half, sign-extended to 32 bits and shifted left by 13,
     * has its sign in f32's sign bit and its exponent and mantissa in f32's (three copies of the sign land in between
     * and are masked off): read as a float that is the half's value times 2^−112, subnormal halves included, so one
     * multiply by 2^112 rescales it without rounding. Infinities and NaN (never stored: {@link Fp16#encode} clamps
     * them) would come out finite.
     */
    static FloatVector widen(MemorySegment seg, long off) {
        return scaled(halves(seg, off));
    }

    // widen in pieces under C2's 35-byte limit for always inlining: as one method it was left out of line at some
    // call sites and its vectors boxed (six times slower)
    private static IntVector halves(MemorySegment seg, long off) {
        return (IntVector) ShortVector.fromMemorySegment(H, seg, off, LE).convertShape(VectorOperators.S2I, TI, 0);
    }

    private static FloatVector scaled(IntVector h) {
        return unscaled(h).mul(SCALE);
    }

    /** The half's value times 2^−112 (exact, subnormal halves included: see {@link #widen}). */
    private static FloatVector unscaled(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats();
    }

    private static FloatVector raw(MemorySegment seg, long off) {
        return unscaled(halves(seg, off));
    }

    /**
     * {@code dst[r·hd + d] = q[qOff + r·qStride + d] · SCALE} for {@code rows} rows, the queries {@link #scores}
     * takes; false (dst then unusable) where some |q| is too large for the product to stay finite and exact, or is
     * not a number.
     */
    static boolean prescale(float[] q, int qOff, int qStride, int rows, int hd, float[] dst) {
        for (int r = 0; r < rows; r++) {
            for (int d = 0; d < hd; d++) {
                float x = q[qOff + r * qStride + d];
                if (!(Math.abs(x) < MAX_QUERY)) {
                    return false;
                }
                dst[r * hd + d] = x * SCALE;
            }
        }
        return true;
    }

    /**
     * Multiplies the weights {@code p[r·BLOCK + j]}, {@code r < rows}, {@code j < n}, by {@link #SCALE}, for
     * {@link #weightedValues}: softmax weights are at most 1, so every product is finite and exact.
     */
    static void prescaleWeights(float[] p, int rows, int n) {
        for (int r = 0; r < rows; r++) {
            int j = r * P;
            for (int upper = j + T.loopBound(n); j < upper; j += T.length()) {
                FloatVector.fromArray(T, p, j).mul(SCALE).intoArray(p, j);
            }
            for (; j < r * P + n; j++) {
                p[j] *= SCALE;
            }
        }
    }

    /**
     * {@code acc_r += Σ_{j<n} p[r][j]·v_j} for rows {@code r0 .. r0+m} (m ≤ 8), values read from the f16 region at
     * {@code vOff} (slots from 0), the weights {@code p} multiplied by {@link #SCALE} already
     * ({@link #prescaleWeights}): 8 rows × 2 vectors of the head dimension at a time, every widened value vector
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
        long v0 = vOff + 2L * (d / RUN * P * RUN + d % RUN);
        long v1 = vOff + 2L * ((d + lanes) / RUN * P * RUN + (d + lanes) % RUN);
        for (int j = 0; j < n; j++) {
            FloatVector x = raw(seg, v0 + 2L * j * RUN);
            FloatVector y = raw(seg, v1 + 2L * j * RUN);
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

    /**
     * {@code p[r][j] = q_r·k_j} for rows {@code r0 .. r0+m} (m ≤ 8) and the tile's positions {@code j < n}, keys
     * read from the f16 key region at {@code kOff}, the query rows multiplied by {@link #SCALE} already
     * ({@link #prescale}): a register tile of 8 rows × 2 vectors of positions, so every
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
            long k0 = kOff + 2L * (j0 / RUN * hd * RUN + j0 % RUN);
            long k1 = kOff + 2L * ((j0 + lanes) / RUN * hd * RUN + (j0 + lanes) % RUN);
            for (int d = 0; d < hd; d++) {
                FloatVector x = raw(seg, k0 + 2L * d * RUN);
                FloatVector y = raw(seg, k1 + 2L * d * RUN);
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
}
