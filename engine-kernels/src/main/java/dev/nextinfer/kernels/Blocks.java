package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.I;
import static dev.nextinfer.kernels.Simd.S_HALF;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/** What the 32-value block formats ({@link Q8_0Matrix}, {@link Q4_0Matrix}) share: block size, checks, f16 scales. */
final class Blocks {
    /** Values per block (llama.cpp's QK8_0 = QK4_0 = 32). */
    static final int QK = 32;
    static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

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

    /** {@code n} rounded up to a multiple of 64 (regions start on cache lines). */
    static long align64(long n) {
        return (n + 63) & ~63L;
    }

    /** The f16 scale at byte {@code off}, as f32. */
    static float scale(MemorySegment seg, long off) {
        return Float.float16ToFloat(seg.get(LE_SHORT, off));
    }

    /**
     * {@code dst[i] = f16 at byte off + 2i} as f32 for {@code i < n}, exactly (like {@link Float#float16ToFloat},
     * subnormals, infinities and NaNs included). Vectorised because the kernels convert a row's scales in one pass
     * before streaming its quants: a scalar conversion per block costs ~4 instructions in the inner loop, a
     * broadcast from this array one.
     */
    static void scalesToFloat(MemorySegment seg, long off, int n, float[] dst) {
        int i = 0;
        for (; i + I.length() <= n; i += I.length()) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, seg, off + 2L * i, ByteOrder.LITTLE_ENDIAN)
                    .convertShape(VectorOperators.S2I, I, 0);
            IntVector magnitude = h.and(0x7FFF);
            // exponent and mantissa moved into f32 position, then rebiased by 2^(127-15): exact for normal and
            // subnormal halves alike
            IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f)
                    .reinterpretAsInts();
            VectorMask<Integer> infOrNaN = magnitude.compare(VectorOperators.GE, 0x7C00);
            bits = bits.blend(bits.or(0x7F800000), infOrNaN);
            bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, i);
        }
        for (; i < n; i++) {
            dst[i] = scale(seg, off + 2L * i);
        }
    }

    /** Throws unless {@code seg} holds at least {@code need} bytes. */
    static void checkSize(String format, MemorySegment seg, long need, int rows, int cols) {
        if (seg.byteSize() < need) {
            throw new IllegalArgumentException("segment of " + seg.byteSize() + " bytes is too small for " + format
                    + " [" + rows + ", " + cols + "] (" + need + " bytes)");
        }
    }

    /** C's {@code roundf}: halfway cases away from zero (Java's {@link Math#round} rounds them up). */
    static int roundHalfAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5); // exact in double for every float
        return (int) Math.copySign(a, v);
    }
}
