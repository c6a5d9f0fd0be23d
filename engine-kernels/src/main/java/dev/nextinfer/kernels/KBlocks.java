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
 * What the 256-value super-block formats (ggml's K-quants and IQ4_XS) share: the super-block size, shape and size
 * checks, f16 fields, vector loads that never read past a super-block, and the per-group activation sums the
 * kernels use to take a block's minimum or offset out of the inner loop.
 */
final class KBlocks {
    /** Values per super-block (ggml's QK_K). */
    static final int QK_K = 256;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** 16 bytes, for fields read 16 at a time whatever the vector width (table lookups, scale runs). */
    static final VectorSpecies<Byte> B16 = ByteVector.SPECIES_128;
    /** Lane i takes lane i + 4 of an 8-byte vector (the 4-lane kernels' upper half of a load). */
    private static final VectorShuffle<Byte> UPPER4 = VectorShuffle.iota(BL, 4, 1, true);

    /**
     * {@code (float) (i − 32)} for {@code i < 64}: Q3_K and IQ4_XS turn their signed 6-bit sub-block scales into
     * floats with one load from here instead of an int-to-float conversion.
     */
    static final float[] SIGNED6 = new float[64];

    static {
        for (int i = 0; i < SIGNED6.length; i++) {
            SIGNED6[i] = i - 32;
        }
    }

    private KBlocks() {
    }

    /** 16 bytes at {@code off}. */
    static ByteVector load16(MemorySegment seg, long off) {
        return ByteVector.fromMemorySegment(B16, seg, off, LE);
    }

    /**
     * Bytes {@code c .. c + FB_LANES} of a 16-byte vector, sign-extended to f32 ({@code c} a multiple of
     * {@link Simd#FB_LANES}): {@link Blocks#floats}, whose conversion has as many lanes in as out (a constant
     * byte shuffle brings a later part down first). With 16 lanes that is the whole vector, widened in one
     * instruction.
     */
    static FloatVector widen16(ByteVector v, int c) {
        return Blocks.floats(v, c / FB_LANES);
    }

    /** Throws unless the shape can be stored in super-blocks of 256 along a row. */
    static void checkShape(String format, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException(format + " matrix needs rows, cols ≥ 1, got [" + rows + ", " + cols + "]");
        }
        if (cols % QK_K != 0) {
            throw new IllegalArgumentException(format + " stores rows in super-blocks of " + QK_K + " values, but cols = "
                    + cols + " is not a multiple of " + QK_K);
        }
    }

    /** Checks the shape and that {@code seg} holds {@code rows} rows of {@code cols / 256} blocks of {@code blockBytes}. */
    static void check(String format, MemorySegment seg, int rows, int cols, int blockBytes) {
        checkShape(format, rows, cols);
        long need = (long) rows * (cols / QK_K) * blockBytes;
        if (seg.byteSize() < need) {
            throw new IllegalArgumentException("segment of " + seg.byteSize() + " bytes is too small for " + format + " ["
                    + rows + ", " + cols + "] (" + need + " bytes)");
        }
    }

    /** The f16 at byte {@code off}, as f32 (exact; ggml's {@code GGML_FP16_TO_FP32}). */
    static float f16(MemorySegment seg, long off) {
        return Float.float16ToFloat(seg.get(LE_SHORT, off));
    }

    /**
     * The {@link Simd#FB_LANES} bytes at {@code base + c} in the first lanes of a byte vector, for {@code c} a
     * multiple of {@link Simd#FB_LANES}. Never reads past {@code base + (c | 7) + 1}, so a kernel that walks a
     * field of a multiple of 8 bytes stays inside it: with 4-lane vectors the smallest byte load is 8 bytes, so
     * the upper 4 of an 8-byte group are loaded with the lower ones and moved down (one byte shuffle) instead of
     * loaded past the group's end, which at the last super-block of a segment would be past the segment's end.
     */
    static ByteVector load(MemorySegment seg, long base, int c) {
        if (FB_LANES == 4) {
            ByteVector v = ByteVector.fromMemorySegment(BL, seg, base + (c & ~7), LE);
            return (c & 4) == 0 ? v : v.rearrange(UPPER4);
        }
        return ByteVector.fromMemorySegment(BL, seg, base + c, LE);
    }

    /**
     * The first {@link Simd#FB_LANES} lanes of {@code v}, sign-extended to f32. Widening part 0 is one
     * instruction; parts above 0 are not intrinsified by C2 (see {@link Simd#BL}).
     */
    static FloatVector widen(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, FB, 0);
    }

    /**
     * Each 32-bit lane shifted left by {@code n} bits, or right by {@code −n} when {@code n < 0}: moves a bit
     * field within every byte when the caller masks off the bits that cross from a neighbouring byte. Kernels apply it
     * to 16-byte vectors ({@link #load16}) at every vector width: C2 intrinsifies shifts (and rotations) of 64-bit
     * vectors only by constant counts, and these counts come from loop indices.
     */
    static ByteVector shiftBits(ByteVector v, int n) {
        IntVector i = v.reinterpretAsInts();
        return (n >= 0 ? i.lanewise(VectorOperators.LSHL, n) : i.lanewise(VectorOperators.LSHR, -n)).reinterpretAsBytes();
    }

    /** Bits 4–7 of each byte (an int shift, which x86 does in one instruction; bytes have none). */
    static ByteVector high4(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    /**
     * {@code sums[i] = Σ x[xOff + n·i + k]} for {@code k < n}, {@code i < cols / n} ({@code n} a multiple of 16):
     * the activation sums of the kernels that multiply a block's minimum or offset once per block instead of once
     * per value. The order of the additions is fixed (lane-wise adds, then {@link Simd#sum}).
     */
    static void groupSums(float[] x, int xOff, int cols, int n, float[] sums) {
        for (int i = 0, o = xOff; i < cols / n; i++, o += n) {
            FloatVector s = FloatVector.fromArray(FB, x, o);
            for (int k = FB_LANES; k < n; k += FB_LANES) {
                s = s.add(FloatVector.fromArray(FB, x, o + k));
            }
            sums[i] = Simd.sum(s);
        }
    }
}
