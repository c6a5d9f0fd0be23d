package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Storage formats of {@link Matrix} elements. Every block format is ggml's (llama.cpp's) block layout, byte for
 * byte: a row of {@code cols} values is {@code cols / blockValues()} consecutive blocks of {@code blockBytes()}
 * bytes, and rows follow each other without padding. So a tensor of a GGUF file, or a row range of one (one
 * expert of a 3-D expert tensor), is wrapped in place by {@link #wrap}.
 *
 * <p>A format knows its geometry, how to wrap stored bytes as a {@link Matrix} and, where it has an encoder, how
 * to encode a row of f32 values ({@link #encodeRow}).
 */
public enum MatrixFormat {
    /** IEEE binary32. */
    F32(1, 4),
    /** bfloat16: the upper half of a binary32. */
    BF16(1, 2),
    /** IEEE binary16. */
    F16(1, 2),
    /** 32 int8 values and an f16 scale: {@code d·q}. */
    Q8_0(32, 34),
    /** 32 4-bit values and an f16 scale: {@code d·(q − 8)}. */
    Q4_0(32, 18),
    /** 32 4-bit values, an f16 scale and an f16 minimum: {@code d·q + m}. */
    Q4_1(32, 20),
    /** 32 5-bit values (4 low bits + 1 high bit) and an f16 scale: {@code d·(q − 16)}. */
    Q5_0(32, 22),
    /** 32 5-bit values, an f16 scale and an f16 minimum: {@code d·q + m}. */
    Q5_1(32, 24),
    /** 32 4-bit indices into a fixed non-linear table and an f16 scale. */
    IQ4_NL(32, 18),
    /** 32 4-bit E2M1 values and an E8M0 (power of two) scale (OCP microscaling FP4). */
    MXFP4(32, 17),
    /** Super-blocks of 256: 16 sub-blocks of 16 2-bit values with 4-bit scales and minimums. */
    Q2_K(256, 84),
    /** Super-blocks of 256: 16 sub-blocks of 16 3-bit values with 6-bit scales. */
    Q3_K(256, 110),
    /** Super-blocks of 256: 8 sub-blocks of 32 4-bit values with 6-bit scales and minimums. */
    Q4_K(256, 144),
    /** Super-blocks of 256: 8 sub-blocks of 32 5-bit values with 6-bit scales and minimums. */
    Q5_K(256, 176),
    /** Super-blocks of 256: 16 sub-blocks of 16 6-bit values with 8-bit scales. */
    Q6_K(256, 210),
    /** Super-blocks of 256: 8 sub-blocks of 32 4-bit non-linear indices with 6-bit scales. */
    IQ4_XS(256, 136);

    private final int blockValues;
    private final int blockBytes;

    MatrixFormat(int blockValues, int blockBytes) {
        this.blockValues = blockValues;
        this.blockBytes = blockBytes;
    }

    /** Values per block (1 for the plain float formats). */
    public int blockValues() {
        return blockValues;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Average storage bytes per element, scales included. */
    public double bytesPerElement() {
        return (double) blockBytes / blockValues;
    }

    /** Whether a row of {@code cols} values can be stored in this format (whole blocks). */
    public boolean fits(long cols) {
        return cols > 0 && cols % blockValues == 0;
    }

    /** Bytes of one row of {@code cols} values; throws unless {@link #fits}. */
    public long rowBytes(long cols) {
        if (!fits(cols)) {
            throw new IllegalArgumentException(this + " stores rows in blocks of " + blockValues + " values, but a row has "
                    + cols + " values");
        }
        return cols / blockValues * blockBytes;
    }

    /** Bytes of a {@code rows × cols} matrix. */
    public long byteSize(long rows, long cols) {
        return Math.multiplyExact(rows, rowBytes(cols));
    }

    /**
     * The {@code rows × cols} matrix stored in this format at the start of {@code data} (no copy; {@code data} may
     * be a mapped file and need not be aligned). A mapped {@code data} is read through {@link Segments#plain}, so
     * that every segment the kernels see is of one class.
     *
     * @throws IllegalArgumentException when the shape does not fit the format or {@code data} is too small
     */
    public Matrix wrap(MemorySegment segment, int rows, int cols) {
        MemorySegment data = Segments.plain(segment);
        return switch (this) {
            case F32 -> new F32Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            case Q4_1 -> new Q4_1Matrix(data, rows, cols);
            case Q5_0 -> new Q5_0Matrix(data, rows, cols);
            case Q5_1 -> new Q5_1Matrix(data, rows, cols);
            case IQ4_NL -> new IQ4_NLMatrix(data, rows, cols);
            case MXFP4 -> new MXFP4Matrix(data, rows, cols);
            case Q4_K -> new Q4_KMatrix(data, rows, cols);
            case Q5_K -> new Q5_KMatrix(data, rows, cols);
            case Q6_K -> new Q6_KMatrix(data, rows, cols);
            case IQ4_XS -> new IQ4_XSMatrix(data, rows, cols);
            case Q3_K -> new Q3_KMatrix(data, rows, cols);
            case Q2_K -> new Q2_KMatrix(data, rows, cols);
            default -> throw new IllegalArgumentException("no kernels for " + this + " matrices yet");
        };
    }

    /** Whether {@link #encodeRow} can write this format. */
    public boolean canEncode() {
        return switch (this) {
            case F32, BF16, F16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, MXFP4, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K -> true;
            default -> false;
        };
    }

    /**
     * Encodes {@code src[srcOff .. srcOff + cols)} as one row of this format at byte {@code dstOff} of {@code dst}
     * ({@link #rowBytes} bytes). Block formats use llama.cpp's reference quantiser of the type
     * ({@code quantize_row_*_ref}), so a row encodes to the same bytes llama.cpp's {@code llama-quantize} writes
     * without an importance matrix; f16 and bf16 round to nearest even.
     *
     * @throws IllegalStateException when the format has no encoder ({@link #canEncode} is false)
     */
    public void encodeRow(float[] src, int srcOff, MemorySegment dst, long dstOff, int cols) {
        rowBytes(cols);
        switch (this) {
            case F32 -> MemorySegment.copy(src, srcOff, dst, Encoding.LE_FLOAT, dstOff, cols);
            case BF16 -> {
                for (int c = 0; c < cols; c++) {
                    dst.set(Encoding.LE_SHORT, dstOff + 2L * c, BF16Matrix.fromFloat(src[srcOff + c]));
                }
            }
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    dst.set(Encoding.LE_SHORT, dstOff + 2L * c, Float.floatToFloat16(src[srcOff + c]));
                }
            }
            case Q8_0 -> Q8_0Matrix.encodeRow(src, srcOff, dst, dstOff, cols);
            case Q4_0 -> Q4_0Matrix.encodeRow(src, srcOff, dst, dstOff, cols);
            case Q4_1 -> Q4_1Matrix.encodeRow(src, srcOff, dst, dstOff, cols);
            case Q5_0 -> Q5_0Matrix.encodeRow(src, srcOff, dst, dstOff, cols);
            case Q5_1 -> Q5_1Matrix.encodeRow(src, srcOff, dst, dstOff, cols);
            case MXFP4 -> MXFP4Matrix.encodeRow(src, srcOff, dst, dstOff, cols);
            case Q2_K -> KQuantEncoder.q2_K(src, srcOff, dst, dstOff, cols);
            case Q3_K -> KQuantEncoder.q3_K(src, srcOff, dst, dstOff, cols);
            case Q4_K -> KQuantEncoder.q4_K(src, srcOff, dst, dstOff, cols);
            case Q5_K -> KQuantEncoder.q5_K(src, srcOff, dst, dstOff, cols);
            case Q6_K -> KQuantEncoder.q6_K(src, srcOff, dst, dstOff, cols);
            default -> throw new IllegalStateException("nextinfer has no encoder for " + this);
        }
    }

    /** Little-endian element layouts of the encoders. */
    private static final class Encoding {
        static final java.lang.foreign.ValueLayout.OfFloat LE_FLOAT =
                java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
        static final java.lang.foreign.ValueLayout.OfShort LE_SHORT =
                java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
