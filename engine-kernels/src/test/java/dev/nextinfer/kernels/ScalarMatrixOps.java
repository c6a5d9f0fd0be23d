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
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ScalarMatrixOps() {
    }

    /** ggml's {@code kvalues_iq4nl}, from {@code ggml-common.h}. */
    private static final int[] IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    /** ggml's {@code kvalues_mxfp4}: the E2M1 values 0, 0.5, 1, 1.5, 2, 3, 4, 6 (and negatives) doubled. */
    private static final int[] MXFP4 = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    /**
     * Element {@code W[r][c]} of a matrix stored in {@code seg} in {@code format}'s ggml layout, evaluated as ggml's
     * {@code dequantize_row_*} does (f32 products and sums, in that order). Block formats: row {@code r} starts at
     * byte {@code r·rowBytes}, block {@code c / 32} of it at {@code blockBytes} per block, and {@code j = c % 32}.
     */
    static double element(MatrixFormat format, MemorySegment seg, int rows, int cols, int r, int c) {
        long i = (long) r * cols + c;
        if (format.blockValues() == 1) {
            return switch (format) {
                case F32 -> seg.get(LE_FLOAT, 4 * i);
                case BF16 -> Float.intBitsToFloat((seg.get(LE_SHORT, 2 * i) & 0xFFFF) << 16);
                case F16 -> Float.float16ToFloat(seg.get(LE_SHORT, 2 * i));
                default -> throw new IllegalArgumentException("no scalar reader for " + format);
            };
        }
        long bo = r * format.rowBytes(cols) + (long) (c / 32) * format.blockBytes();
        int j = c % 32;
        return switch (format) {
            // {f16 d; int8 qs[32]}
            case Q8_0 -> seg.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * half(seg, bo);
            // {f16 d; uint8 qs[16]}: (nibble − 8)·d
            case Q4_0 -> (nibble(seg, bo + 2, j) - 8) * half(seg, bo);
            // {f16 d; f16 m; uint8 qs[16]}: nibble·d + m
            case Q4_1 -> {
                float v = nibble(seg, bo + 4, j) * half(seg, bo);
                yield v + half(seg, bo + 2);
            }
            // {f16 d; uint8 qh[4]; uint8 qs[16]}: (nibble | bit j of qh << 4 − 16)·d
            case Q5_0 -> ((nibble(seg, bo + 6, j) | fifthBit(seg, bo + 2, j)) - 16) * half(seg, bo);
            // {f16 d; f16 m; uint8 qh[4]; uint8 qs[16]}: (nibble | bit j of qh << 4)·d + m
            case Q5_1 -> {
                float v = (nibble(seg, bo + 8, j) | fifthBit(seg, bo + 4, j)) * half(seg, bo);
                yield v + half(seg, bo + 2);
            }
            // {f16 d; uint8 qs[16]}: d·kvalues_iq4nl[nibble]
            case IQ4_NL -> half(seg, bo) * IQ4NL[nibble(seg, bo + 2, j)];
            // {uint8 e; uint8 qs[16]}: kvalues_mxfp4[nibble]·2^(e − 128) (GGML_E8M0_TO_FP32_HALF)
            case MXFP4 -> MXFP4[nibble(seg, bo + 1, j)] * Math.scalb(1f, (seg.get(ValueLayout.JAVA_BYTE, bo) & 0xFF) - 128);
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> ScalarKQuants.element(format, seg, cols, r, c);
            default -> throw new IllegalArgumentException("no scalar reader for " + format);
        };
    }

    private static float half(MemorySegment seg, long off) {
        return Float.float16ToFloat(seg.get(LE_SHORT, off));
    }

    /** Quant {@code j} of the 16 bytes at {@code qs}: low nibbles are quants 0–15, high nibbles 16–31. */
    private static int nibble(MemorySegment seg, long qs, int j) {
        int b = seg.get(ValueLayout.JAVA_BYTE, qs + j % 16) & 0xFF;
        return j < 16 ? b & 0x0F : b >>> 4;
    }

    /** Bit {@code j} of the little-endian uint32 {@code qh} at {@code off}, as 0 or 16. */
    private static int fifthBit(MemorySegment seg, long off, int j) {
        int qh = seg.get(LE_INT, off);
        return ((qh >>> j) & 1) << 4;
    }

    /** Every row as doubles ({@link #row}), to evaluate many products against. */
    static double[][] rows(MatrixFormat f, MemorySegment seg, int rows, int cols) {
        double[][] out = new double[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = row(f, seg, rows, cols, r);
        }
        return out;
    }

    /** {@code Σ_c w[c]·x[xOff + c]} in double. */
    static double dot(double[] w, float[] x, int xOff) {
        double s = 0;
        for (int c = 0; c < w.length; c++) {
            s += w[c] * x[xOff + c];
        }
        return s;
    }

    /** {@code Σ_c |w[c]·x[xOff + c]|}: the scale of rounding errors of a dot product. */
    static double absDot(double[] w, float[] x, int xOff) {
        double s = 0;
        for (int c = 0; c < w.length; c++) {
            s += Math.abs(w[c] * x[xOff + c]);
        }
        return s;
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

    /** llama.cpp's quantize_row_q4_1_ref for one block: returns {f16 bits of d, f16 bits of m, q0..q31} (q in 0..15). */
    static int[] q4_1Block(float[] x, int off) {
        return minMaxBlock(x, off, 15);
    }

    /** llama.cpp's quantize_row_q5_1_ref for one block: returns {f16 bits of d, f16 bits of m, q0..q31} (q in 0..31). */
    static int[] q5_1Block(float[] x, int off) {
        return minMaxBlock(x, off, 31);
    }

    /** q4_1 (levels 15) and q5_1 (levels 31): d = (max − min) / levels, q = trunc((x − min)·(1/d) + 0.5). */
    private static int[] minMaxBlock(float[] x, int off, int levels) {
        float lo = Float.MAX_VALUE;
        float hi = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            lo = x[off + j] < lo ? x[off + j] : lo;
            hi = x[off + j] > hi ? x[off + j] : hi;
        }
        float d = (hi - lo) / levels;
        float id = d == 0f ? 0f : 1f / d;
        int[] out = new int[34];
        out[0] = Float.floatToFloat16(d) & 0xFFFF;
        out[1] = Float.floatToFloat16(lo) & 0xFFFF;
        for (int j = 0; j < 32; j++) {
            float scaled = (x[off + j] - lo) * id; // rounded to f32 before the + 0.5f, as C's separate statements
            int q = (int) (scaled + 0.5f);
            // q4_1 clamps with MIN(15, (int8_t) ·); q5_1 stores (uint8_t) · and keeps 5 bits
            out[2 + j] = levels == 15 ? Math.min(15, q) : q & 0x1F;
        }
        return out;
    }

    /** llama.cpp's quantize_row_q5_0_ref for one block: returns {f16 bits of d, q0..q31} with q in 0..31. */
    static int[] q5_0Block(float[] x, int off) {
        float amax = 0;
        float max = 0;
        for (int j = 0; j < 32; j++) {
            float v = x[off + j];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -16f;
        float id = d == 0f ? 0f : 1f / d;
        int[] out = new int[33];
        out[0] = Float.floatToFloat16(d) & 0xFFFF;
        for (int j = 0; j < 32; j++) {
            float shifted = x[off + j] * id + 16.5f; // f32 arithmetic, as in C
            out[1 + j] = Math.min(31, (byte) (int) shifted);
        }
        return out;
    }
}
