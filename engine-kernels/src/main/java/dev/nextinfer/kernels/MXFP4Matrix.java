package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's MXFP4 (OCP microscaling FP4), byte for byte: each row is {@code cols / 32} blocks {@code block_mxfp4 {uint8
 * e; uint8 qs[16]}} of 17 bytes; byte {@code j} of {@code qs} holds the 4-bit E2M1 code of value {@code j} in its low
 * nibble and that of value {@code j + 16} in its high nibble.
 *
 * <p>Value {@code j} is {@code K[code j] · 2^(e − 128)}, exactly as ggml computes it: {@code K} is ggml's
 * {@code kvalues_mxfp4} ({@link #VALUES}), the E2M1 values doubled so that they are integers (0, ±0.5, ±1, … ±6
 * become 0, ±1, ±2, … ±12), and the scale is {@code GGML_E8M0_TO_FP32_HALF(e)}, half the E8M0 value {@code 2^(e −
 * 127)} to undo the doubling. Every byte {@code e} (255 included) gives a finite power of two, subnormal for
 * {@code e < 2}; the f32 product is exact, or infinite where it overflows ({@code e ≥ 253}), as in ggml.
 *
 * <p>Kernels as in {@link IQ4_NLMatrix}; the scale comes from a 256-entry table.
 */
public final class MXFP4Matrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 17;
    /** ggml's {@code kvalues_mxfp4}: E2M1 code → twice its value. */
    static final byte[] VALUES = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};
    private static final ByteVector TABLE = ByteVector.fromArray(Blocks.B16, VALUES, 0);
    /** {@code GGML_E8M0_TO_FP32_HALF(e)} for every byte {@code e}. */
    private static final float[] SCALES = new float[256];

    static {
        for (int e = 0; e < 256; e++) {
            SCALES[e] = scale(e);
        }
    }

    /** Wraps {@code rows × cols} values stored as ggml MXFP4 blocks at the start of {@code data}; no copy. */
    public MXFP4Matrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.MXFP4, data, rows, cols);
    }

    /**
     * {@code 2^(e − 128)}: ggml's {@code GGML_E8M0_TO_FP32_HALF}. Built from bits as ggml does: the subnormals
     * {@code 2^−128} and {@code 2^−127} for {@code e} = 0, 1, else the exponent field {@code e − 1}.
     */
    static float scale(int e) {
        return Float.intBitsToFloat(e < 2 ? 0x00200000 << e : (e - 1) << 23);
    }

    /**
     * Encodes {@code cols} values into {@code cols / 32} blocks at byte {@code off} of {@code dst}, as llama.cpp's
     * {@code quantize_row_mxfp4_ref}: {@code amax = max |x|}, {@code e = floor(log2f(amax)) − 2 + 127} (0 when
     * {@code amax = 0}), and each value the code whose {@code K·2^(e − 128)} is nearest (the first on ties).
     */
    static void encodeRow(float[] src, int srcOff, MemorySegment dst, long off, int cols) {
        for (int b = 0; b < cols / QK; b++) {
            int o = srcOff + b * QK;
            long bo = off + (long) BLOCK * b;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                if (amax < Math.abs(src[o + j])) {
                    amax = Math.abs(src[o + j]);
                }
            }
            // log2f rounded to f32 before the floor, as C does: for amax just below a power of two it rounds up to
            // the integer. The f64 logarithm rounded once to f32 is log2f's correctly rounded result. C converts
            // the (possibly negative, for amax < 2^-125) float to uint8 by truncating to int and keeping the low byte.
            int e = amax > 0f ? ((int) ((float) Math.floor((float) (Math.log(amax) / LN2)) - 2 + 127)) & 0xFF : 0;
            float d = scale(e);
            dst.set(ValueLayout.JAVA_BYTE, bo, (byte) e);
            for (int j = 0; j < QK / 2; j++) {
                int lo = nearest(src[o + j], d);
                int hi = nearest(src[o + j + QK / 2], d);
                dst.set(ValueLayout.JAVA_BYTE, bo + 1 + j, (byte) (lo | hi << 4));
            }
        }
    }

    private static final double LN2 = Math.log(2);

    /** The code {@code i} minimising {@code |K[i]·d − x|} in f32, the first on ties (ggml's best_index_mxfp4). */
    private static int nearest(float x, float d) {
        int best = 0;
        float bestErr = Math.abs(VALUES[0] * d - x);
        for (int i = 1; i < 16; i++) {
            float err = Math.abs(VALUES[i] * d - x);
            if (err < bestErr) {
                best = i;
                bestErr = err;
            }
        }
        return best;
    }

    /** One loop per format: see {@link BlockMatrix#matVec}. */
    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            y[yOff + r] = dot(r, x, xOff);
        }
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = row * rowBytes;
        // one block per iteration through one call site of block(): see Blocks (the shape of the fused loops)
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++) {
            acc = block(base + (long) BLOCK * b, x, xOff + b * QK, acc);
        }
        return Simd.sum(acc);
    }

    /** {@code acc + d·(K[q] ⊙ x)} for the block at byte {@code bo}. */
    private FloatVector block(long bo, float[] x, int xo, FloatVector acc) {
        ByteVector v = Blocks.load16(data, bo + 1);
        FloatVector p = Blocks.fma(v.and((byte) 0x0F).selectFrom(TABLE), x, xo, FloatVector.zero(FB));
        p = Blocks.fma(Blocks.highNibbles(v).selectFrom(TABLE), x, xo + 16, p);
        return p.fma(FloatVector.broadcast(FB, SCALES[data.get(ValueLayout.JAVA_BYTE, bo) & 0xFF]), acc);
    }

    @Override
    void widen(int row, int b0, int b1, float[] q, float[] d, float[] m) {
        long base = row * rowBytes;
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) BLOCK * b;
            d[b - b0] = SCALES[data.get(ValueLayout.JAVA_BYTE, bo) & 0xFF];
            ByteVector v = Blocks.load16(data, bo + 1);
            Blocks.widen(v.and((byte) 0x0F).selectFrom(TABLE), q, (b - b0) * QK);
            Blocks.widen(Blocks.highNibbles(v).selectFrom(TABLE), q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, SCALES[data.get(ValueLayout.JAVA_BYTE, bo) & 0xFF]);
            ByteVector v = Blocks.load16(data, bo + 1);
            Blocks.store(v.and((byte) 0x0F).selectFrom(TABLE), d, null, dst, off + b * QK);
            Blocks.store(Blocks.highNibbles(v).selectFrom(TABLE), d, null, dst, off + b * QK + 16);
        }
    }
}
