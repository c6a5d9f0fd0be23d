package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain scalar twins of the matrix kernels, written from the documented layouts (not from the kernels): element
 * readers per format, dot / mat-vec / mat-mat with double accumulation, and llama.cpp's reference quantisers.
 */
final class ScalarMatrixOps {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarMatrixOps() {
    }

    /** Element {@code W[r][c]} of a matrix stored in {@code seg} in {@code format}'s documented layout. */
    static double element(MatrixFormat format, MemorySegment seg, int rows, int cols, int r, int c) {
        long i = (long) r * cols + c;
        return switch (format) {
            case F32 -> seg.get(LE_FLOAT, 4 * i);
            case BF16 -> Float.intBitsToFloat((seg.get(LE_SHORT, 2 * i) & 0xFFFF) << 16);
            case Q8_0 -> {
                long scales = align64((long) rows * cols);
                double d = Float.float16ToFloat(seg.get(LE_SHORT, scales + 2 * (i / 32)));
                yield seg.get(ValueLayout.JAVA_BYTE, i) * d;
            }
            case Q4_0 -> {
                long scales = align64((long) rows * cols / 2);
                long block = i / 32;
                int j = (int) (i % 32);
                double d = Float.float16ToFloat(seg.get(LE_SHORT, scales + 2 * block));
                int b = seg.get(ValueLayout.JAVA_BYTE, block * 16 + (j % 16)) & 0xFF;
                int q = j < 16 ? b & 0x0F : b >>> 4;
                yield (q - 8) * d;
            }
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> ScalarKQuants.element(format, seg, cols, r, c);
            default -> throw new IllegalArgumentException("no scalar reader for " + format);
        };
    }

    static long align64(long n) {
        return (n + 63) / 64 * 64;
    }

    /** {@code Σ_c W[r][c]·x[xOff + c]} in double. */
    static double dot(MatrixFormat f, MemorySegment seg, int rows, int cols, int r, float[] x, int xOff) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
            s += element(f, seg, rows, cols, r, c) * x[xOff + c];
        }
        return s;
    }

    /** {@code Σ_c |W[r][c]·x[xOff + c]|}: the scale of rounding errors of a dot product. */
    static double absDot(MatrixFormat f, MemorySegment seg, int rows, int cols, int r, float[] x, int xOff) {
        double s = 0;
        for (int c = 0; c < cols; c++) {
            double w = ScalarKQuants.handles(f) ? ScalarKQuants.magnitude(f, seg, cols, r, c) : element(f, seg, rows, cols, r, c);
            s += Math.abs(w * x[xOff + c]);
        }
        return s;
    }

    /** Row {@code r} as doubles. */
    static double[] row(MatrixFormat f, MemorySegment seg, int rows, int cols, int r) {
        double[] out = new double[cols];
        for (int c = 0; c < cols; c++) {
            out[c] = element(f, seg, rows, cols, r, c);
        }
        return out;
    }

    /** llama.cpp's quantize_row_q8_0_ref for one block of 32: returns {f16 bits of d, q0..q31}. */
    static int[] q8_0Block(float[] x, int off) {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            float a = Math.abs(x[off + j]);
            if (a > amax) {
                amax = a;
            }
        }
        float d = amax / 127f;
        float id = d == 0f ? 0f : 1f / d;
        int[] out = new int[33];
        out[0] = Float.floatToFloat16(d) & 0xFFFF;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j] * id;
            // roundf: nearest, halfway cases away from zero
            double r = Math.floor(Math.abs((double) v) + 0.5);
            out[1 + j] = (int) (v < 0 ? -r : r);
        }
        return out;
    }

    /** llama.cpp's quantize_row_q4_0_ref for one block of 32: returns {f16 bits of d, q0..q31} with q in 0..15. */
    static int[] q4_0Block(float[] x, int off) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d == 0f ? 0f : 1f / d;
        int[] out = new int[33];
        out[0] = Float.floatToFloat16(d) & 0xFFFF;
        for (int j = 0; j < 32; j++) {
            float shifted = x[off + j] * id + 8.5f; // f32 arithmetic, as in C
            int q = (byte) (int) shifted;          // C's (int8_t) conversion truncates toward zero
            out[1 + j] = Math.min(15, q);
        }
        return out;
    }
}
