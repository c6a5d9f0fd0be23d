package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.BL;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * What the 32-value block formats ({@link Q8_0Matrix}, {@link Q4_0Matrix}, {@link Q4_1Matrix}, {@link Q5_0Matrix},
 * {@link Q5_1Matrix}, {@link IQ4_NLMatrix}, {@link MXFP4Matrix}) share: block size, checks, f16 scales, and the
 * unpacking of 16 quant bytes into float or int vectors.
 *
 * <p>Every block holds its quants in 16-byte runs (one for the 4- and 5-bit formats, two for q8_0), so the kernels
 * load quants as 16-byte vectors ({@link #B16}) and never read past a block: that is what lets them run on a
 * mapped tensor whose last block ends the mapping. A 16-byte vector feeds {@link #PARTS} float vectors of
 * {@link Simd#FB_LANES} lanes: one on AVX-512, two on AVX2, four with 128-bit vectors.
 *
 * <p>How the fused dot products are shaped, each rule measured (mat-vec from DRAM, one thread, Zen 4): the block
 * loop has no inner loop, not even one that runs once (C2 unrolls and bounds-check-optimises only innermost loops;
 * a one-trip loop over {@link #PARTS} left in the block code cost 30–40%), hence the helpers here with
 * straight-line code for {@code PARTS} 1 and 2 (AVX-512, AVX2); and the block code is inlined once per loop
 * (three copies made C2 give up on the vector intrinsics: the method then runs as slow Java code). The exception
 * is q8_0, whose loop takes two blocks per iteration (two copies): memory-bound, it streamed ~20% slower one block
 * at a time, while the compute-bound 4-bit formats ran ~30% slower two at a time.
 */
final class Blocks {
    /** Values per block (llama.cpp's QK8_0 = QK4_0 = … = QK_MXFP4 = 32). */
    static final int QK = 32;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** 16 bytes: a run of quants (32 nibbles or 16 int8 values). */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Ints with as many lanes as {@link Simd#FB}. */
    static final VectorSpecies<Integer> IB = VectorSpecies.of(int.class, FB.vectorShape());
    /** {@link Simd#FB} vectors per 16-byte run. */
    static final int PARTS = 16 / FB_LANES;
    /** {@code 0, 1, 2, …} in {@link #IB}: lane numbers, for per-lane bit shifts. */
    static final IntVector IOTA = IntVector.zero(IB).addIndex(1);

    // lane i takes lane i + k of a 16-byte vector: brings part k / FB_LANES down to lane 0
    private static final VectorShuffle<Byte> DOWN_4 = VectorShuffle.iota(B16, 4, 1, true);
    private static final VectorShuffle<Byte> DOWN_8 = VectorShuffle.iota(B16, 8, 1, true);
    private static final VectorShuffle<Byte> DOWN_12 = VectorShuffle.iota(B16, 12, 1, true);

    private Blocks() {
    }

    /** Throws unless the shape can be stored in blocks of 32 along a row. */
    static void checkShape(String format, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException(format + " matrix needs rows, cols ≥ 1, got [" + rows + ", " + cols + "]");
        }
        if (cols % QK != 0) {
            throw new IllegalArgumentException(format + " stores rows in blocks of " + QK + " values, but cols = " + cols
                    + " is not a multiple of " + QK);
        }
    }

    /** Throws unless {@code seg} holds at least {@code need} bytes. */
    static void checkSize(String format, MemorySegment seg, long need, int rows, int cols) {
        if (seg.byteSize() < need) {
            throw new IllegalArgumentException("segment of " + seg.byteSize() + " bytes is too small for " + format
                    + " [" + rows + ", " + cols + "] (" + need + " bytes)");
        }
    }

    /** The 16 bytes at {@code off}. */
    static ByteVector load16(MemorySegment seg, long off) {
        return ByteVector.fromMemorySegment(B16, seg, off, LE);
    }

    /** The high nibbles of {@code v}'s bytes (shifted as ints, which x86 does in one instruction; bytes it cannot). */
    static ByteVector highNibbles(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    /**
     * Bytes {@code part·FB_LANES ..} of a 16-byte vector, sign-extended to f32. Only part 0 of a vector is ever
     * widened: C2 compiles that to one sign-extending move (and one convert), while a widening of a part above 0
     * falls back to Java code ~100× slower; so parts above 0 (narrower machines only) are first moved down.
     */
    static FloatVector floats(ByteVector v16, int part) {
        return (FloatVector) narrow(v16, part).convertShape(VectorOperators.B2F, FB, 0);
    }

    /** As {@link #floats}, to ints (for formats that assemble quants from several bit fields). */
    static IntVector ints(ByteVector v16, int part) {
        return (IntVector) narrow(v16, part).convertShape(VectorOperators.B2I, IB, 0);
    }

    /** Bytes {@code part·FB_LANES ..} of {@code v16} from lane 0 of a {@link Simd#BL} vector (FB's lane count, at least 8). */
    private static ByteVector narrow(ByteVector v16, int part) {
        if (FB_LANES == 16) {
            return v16;
        }
        ByteVector v = switch (part * FB_LANES) {
            case 0 -> v16;
            case 4 -> v16.rearrange(DOWN_4);
            case 8 -> v16.rearrange(DOWN_8);
            default -> v16.rearrange(DOWN_12);
        };
        return (ByteVector) v.reinterpretShape(BL, 0);
    }

    /**
     * The fifth bits of the 5-bit formats for lanes {@code part·FB_LANES ..} of a half block: lane {@code i} is
     * {@code 0x10} where bit {@code part·FB_LANES + i} of {@code bits} (the half's 16 bits of {@code qh}) is set, else
     * 0 — ready to OR onto the nibble. One variable shift and one AND per vector.
     */
    static IntVector fifthBits(int bits, int part) {
        IntVector shifts = part == 0 ? IOTA : IOTA.add(part * FB_LANES);
        return IntVector.broadcast(IB, (bits & 0xFFFF) << 4).lanewise(VectorOperators.LSHR, shifts).and(0x10);
    }

    /** {@code acc + (the 16 bytes of q16 as f32) ⊙ x[xo .. xo + 16)}. */
    static FloatVector fma(ByteVector q16, float[] x, int xo, FloatVector acc) {
        if (PARTS == 1) { // straight-line on AVX-512 and AVX2, see the class comment
            return floats(q16, 0).fma(FloatVector.fromArray(FB, x, xo), acc);
        }
        if (PARTS == 2) {
            acc = floats(q16, 0).fma(FloatVector.fromArray(FB, x, xo), acc);
            return floats(q16, 1).fma(FloatVector.fromArray(FB, x, xo + FB_LANES), acc);
        }
        for (int k = 0; k < PARTS; k++) {
            acc = floats(q16, k).fma(FloatVector.fromArray(FB, x, xo + k * FB_LANES), acc);
        }
        return acc;
    }

    /**
     * {@code acc + (q − bias) ⊙ x[xo .. xo + 16)} for the 16 5-bit quants of a half block: {@code q} is a nibble of
     * {@code nibbles} with bit {@code i} of {@code bits} (the half's 16 {@code qh} bits) as its fifth bit.
     */
    static FloatVector fma5(ByteVector nibbles, int bits, int bias, float[] x, int xo, FloatVector acc) {
        if (PARTS == 1) {
            return fiveBit(nibbles, bits, bias, 0).fma(FloatVector.fromArray(FB, x, xo), acc);
        }
        if (PARTS == 2) {
            acc = fiveBit(nibbles, bits, bias, 0).fma(FloatVector.fromArray(FB, x, xo), acc);
            return fiveBit(nibbles, bits, bias, 1).fma(FloatVector.fromArray(FB, x, xo + FB_LANES), acc);
        }
        for (int k = 0; k < PARTS; k++) {
            acc = fiveBit(nibbles, bits, bias, k).fma(FloatVector.fromArray(FB, x, xo + k * FB_LANES), acc);
        }
        return acc;
    }

    /** {@code acc + x[xo .. xo + 16)}, lane-wise (for the minimum of q4_1/q5_1: {@code m·Σx}). */
    static FloatVector add(float[] x, int xo, FloatVector acc) {
        if (PARTS == 1) {
            return acc.add(FloatVector.fromArray(FB, x, xo));
        }
        if (PARTS == 2) {
            return acc.add(FloatVector.fromArray(FB, x, xo)).add(FloatVector.fromArray(FB, x, xo + FB_LANES));
        }
        for (int k = 0; k < PARTS; k++) {
            acc = acc.add(FloatVector.fromArray(FB, x, xo + k * FB_LANES));
        }
        return acc;
    }

    /**
     * {@code dst[o .. o + 16) = (the 16 bytes of q16 as f32)·d}, or {@code ·d + m} rounded once where {@code m} is
     * given: the product of a quant and an f16 scale is exact in f32, so this is ggml's product-then-sum bit for bit.
     * (Without {@code m} it must be a plain product: {@code 0·(−d)} is −0, which {@code + 0} would turn into +0.)
     */
    static void store(ByteVector q16, FloatVector d, FloatVector m, float[] dst, int o) {
        for (int k = 0; k < PARTS; k++) {
            FloatVector q = floats(q16, k);
            (m == null ? q.mul(d) : q.fma(d, m)).intoArray(dst, o + k * FB_LANES);
        }
    }

    /** {@code dst[o .. o + 16) = (q − bias)·d [+ m]} for the 16 5-bit quants of a half block, as {@link #store}. */
    static void store5(ByteVector nibbles, int bits, int bias, FloatVector d, FloatVector m, float[] dst, int o) {
        for (int k = 0; k < PARTS; k++) {
            FloatVector q = fiveBit(nibbles, bits, bias, k);
            (m == null ? q.mul(d) : q.fma(d, m)).intoArray(dst, o + k * FB_LANES);
        }
    }

    /** Lanes {@code k·FB_LANES ..} of a half block of 5-bit quants, minus {@code bias}, as f32 (exact). */
    private static FloatVector fiveBit(ByteVector nibbles, int bits, int bias, int k) {
        IntVector q = ints(nibbles, k).or(fifthBits(bits, k));
        return (FloatVector) (bias == 0 ? q : q.sub(bias)).convert(VectorOperators.I2F, 0);
    }

    /** The f16 scale at byte {@code off}, as f32. */
    static float scale(MemorySegment seg, long off) {
        return Float.float16ToFloat(seg.get(LE_SHORT, off));
    }

    /** C's {@code roundf}: halfway cases away from zero (Java's {@link Math#round} rounds them up). */
    static int roundHalfAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5); // exact in double for every float
        return (int) Math.copySign(a, v);
    }
}
