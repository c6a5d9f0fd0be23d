package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar element readers of ggml's 256-value super-block formats, written one element at a time from the block
 * layouts of {@code ggml-common.h} and the formulas of ggml's {@code dequantize_row_*} (not from the kernels). Each
 * value is computed in f32 with ggml's order of operations, so it is ggml's float exactly.
 */
final class ScalarKQuants {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** ggml's kvalues_iq4nl. */
    static final int[] IQ4NL = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

    private ScalarKQuants() {
    }

    static boolean handles(MatrixFormat f) {
        return switch (f) {
            case Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS -> true;
            default -> false;
        };
    }

    private static int u8(MemorySegment s, long off) {
        return s.get(ValueLayout.JAVA_BYTE, off) & 0xFF;
    }

    private static float f16(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(LE_SHORT, off));
    }

    /** Offset of the super-block holding element {@code c} of row {@code r}. */
    private static long block(MatrixFormat f, int cols, int r, int c) {
        return ((long) r * (cols / 256) + c / 256) * f.blockBytes();
    }

    /** ggml's get_scale_min_k4: 6-bit scale ({@code which = 0}) or minimum ({@code 1}) of sub-block j. */
    static int scaleMinK4(MemorySegment s, long scales, int j, int which) {
        if (j < 4) {
            return u8(s, scales + j + 4L * which) & 63;
        }
        if (which == 0) {
            return (u8(s, scales + j + 4) & 0xF) | ((u8(s, scales + j - 4) >> 6) << 4);
        }
        return (u8(s, scales + j + 4) >> 4) | ((u8(s, scales + j) >> 6) << 4);
    }

    /** Element {@code W[r][c]} as ggml's f32. */
    static float element(MatrixFormat f, MemorySegment s, int cols, int r, int c) {
        long o = block(f, cols, r, c);
        int k = c % 256;
        return switch (f) {
            case Q4_K -> {
                int j = k / 32;
                int l = k % 32;
                int b = u8(s, o + 16 + 32L * (j / 2) + l);
                int q = j % 2 == 0 ? b & 0xF : b >> 4;
                float d1 = f16(s, o) * scaleMinK4(s, o + 4, j, 0);
                float m1 = f16(s, o + 2) * scaleMinK4(s, o + 4, j, 1);
                yield d1 * q - m1;
            }
            case Q5_K -> {
                int j = k / 32;
                int l = k % 32;
                int b = u8(s, o + 48 + 32L * (j / 2) + l);
                int q = (j % 2 == 0 ? b & 0xF : b >> 4) + 16 * ((u8(s, o + 16 + l) >> j) & 1);
                float d1 = f16(s, o) * scaleMinK4(s, o + 4, j, 0);
                float m1 = f16(s, o + 2) * scaleMinK4(s, o + 4, j, 1);
                yield d1 * q - m1;
            }
            case Q6_K -> {
                int h = k / 128;
                int t = k % 128 / 32;
                int l = k % 32;
                int lb = u8(s, o + 64L * h + (t % 2 == 1 ? 32 : 0) + l);
                int low = t < 2 ? lb & 0xF : lb >> 4;
                int high = (u8(s, o + 128 + 32L * h + l) >> (2 * t)) & 3;
                int q = (low | high << 4) - 32;
                int sc = s.get(ValueLayout.JAVA_BYTE, o + 192 + 8L * h + l / 16 + 2 * t);
                float d = f16(s, o + 208);
                yield d * sc * q;
            }
            case Q3_K -> {
                int h = k / 128;
                int t = k % 128 / 32;
                int l = k % 32;
                int q2 = (u8(s, o + 32 + 32L * h + l) >> (2 * t)) & 3;
                boolean hbit = (u8(s, o + l) & (1 << (4 * h + t))) != 0;
                int q = q2 - (hbit ? 0 : 4);
                int j = 8 * h + 2 * t + l / 16;
                int low = j < 8 ? u8(s, o + 96 + j) & 0xF : u8(s, o + 96 + j - 8) >> 4;
                int high = (u8(s, o + 96 + 8 + j % 4) >> (2 * (j / 4))) & 3;
                float dl = f16(s, o + 108) * ((low | high << 4) - 32);
                yield dl * q;
            }
            case Q2_K -> {
                int h = k / 128;
                int t = k % 128 / 32;
                int l = k % 32;
                int q = (u8(s, o + 16 + 32L * h + l) >> (2 * t)) & 3;
                int sc = u8(s, o + 8L * h + 2 * t + l / 16);
                float dl = f16(s, o + 80) * (sc & 0xF);
                float ml = f16(s, o + 82) * (sc >> 4);
                yield dl * q - ml;
            }
            case IQ4_XS -> {
                int ib = k / 32;
                int r32 = k % 32;
                int sh = s.get(LE_SHORT, o + 2) & 0xFFFF;
                int ls = ((u8(s, o + 4 + ib / 2) >> (4 * (ib % 2))) & 0xF) | (((sh >> (2 * ib)) & 3) << 4);
                float dl = f16(s, o) * (ls - 32);
                int b = u8(s, o + 8 + 16L * ib + r32 % 16);
                yield dl * IQ4NL[r32 < 16 ? b & 0xF : b >> 4];
            }
            default -> throw new IllegalArgumentException("not a super-block format: " + f);
        };
    }

    /**
     * The scale of the rounding errors of {@code W[r][c]·x} in a kernel: {@code |d1·q| + |m1|} for the formats
     * whose value is {@code d1·q − m1} (a kernel may take the two terms apart, and they can nearly cancel), the
     * value's magnitude otherwise.
     */
    static double magnitude(MatrixFormat f, MemorySegment s, int cols, int r, int c) {
        float w = element(f, s, cols, r, c);
        long o = block(f, cols, r, c);
        int k = c % 256;
        return switch (f) {
            case Q4_K, Q5_K -> {
                float m1 = f16(s, o + 2) * scaleMinK4(s, o + 4, k / 32, 1);
                yield Math.abs((double) w + m1) + Math.abs(m1);
            }
            case Q2_K -> {
                int sc = u8(s, o + 8L * (k / 128) + 2 * (k % 128 / 32) + (k % 32) / 16);
                float ml = f16(s, o + 82) * (sc >> 4);
                yield Math.abs((double) w + ml) + Math.abs(ml);
            }
            default -> Math.abs(w);
        };
    }
}
