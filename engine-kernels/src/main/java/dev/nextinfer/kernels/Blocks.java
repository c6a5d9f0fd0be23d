package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

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
