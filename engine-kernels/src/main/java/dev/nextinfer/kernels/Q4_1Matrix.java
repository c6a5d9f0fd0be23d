package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q4_1, byte for byte: each row is {@code cols / 32} blocks {@code block_q4_1 {f16 d; f16 m; uint8 qs[16]}} of
 * 20 bytes; byte {@code j} of {@code qs} holds quant {@code j} in its low nibble and quant {@code j + 16} in its high
 * nibble, and value {@code j} is {@code q[j]·d + m} (an f32 product, then an f32 sum, as ggml's
 * {@code dequantize_row_q4_1}).
 *
 * <p>Encoding ({@link #encodeRow}) is llama.cpp's {@code quantize_row_q4_1_ref}: {@code min}/{@code max} of the block,
 * {@code d = (max − min) / 15}, {@code q = min(15, (int) ((x − min)·(1/d) + 0.5f))} in f32 (0 when {@code d = 0}),
 * {@code d} and {@code m = min} stored as f16.
 *
 * <p>The fused dot uses {@code Σ (q·d + m)·x = d·Σ q·x + m·Σ x}: per block the quant products and the activation sum
 * are two independent vectors, combined with the block's {@code d} and {@code m} at the end.
 */
public final class Q4_1Matrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 20;

    /** Wraps {@code rows × cols} values stored as ggml Q4_1 blocks at the start of {@code data}; no copy. */
    public Q4_1Matrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.Q4_1, data, rows, cols);
    }

    /** Encodes {@code cols} values into {@code cols / 32} blocks at byte {@code off} of {@code dst}. */
    static void encodeRow(float[] src, int srcOff, MemorySegment dst, long off, int cols) {
        for (int b = 0; b < cols / QK; b++) {
            int o = srcOff + b * QK;
            long bo = off + (long) BLOCK * b;
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < QK; j++) {
                float v = src[o + j];
                if (v < min) {
                    min = v;
                }
                if (v > max) {
                    max = v;
                }
            }
            float d = (max - min) / 15;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(Blocks.LE_SHORT, bo, Float.floatToFloat16(d));
            dst.set(Blocks.LE_SHORT, bo + 2, Float.floatToFloat16(min));
            for (int j = 0; j < QK / 2; j++) {
                // (x − min)·id rounded to f32 first, then + 0.5f: C evaluates the two steps separately
                float x0 = (src[o + j] - min) * id;
                float x1 = (src[o + j + QK / 2] - min) * id;
                int lo = Math.min(15, (int) (x0 + 0.5f));
                int hi = Math.min(15, (int) (x1 + 0.5f));
                dst.set(ValueLayout.JAVA_BYTE, bo + 4 + j, (byte) (lo | hi << 4));
            }
        }
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

    /** {@code acc + d·(q ⊙ x) + m·x} for the block at byte {@code bo} (summed lane-wise). */
    private FloatVector block(long bo, float[] x, int xo, FloatVector acc) {
        ByteVector v = Blocks.load16(data, bo + 4);
        FloatVector p = Blocks.fma(v.and((byte) 0x0F), x, xo, FloatVector.zero(FB));
        p = Blocks.fma(Blocks.highNibbles(v), x, xo + 16, p);
        FloatVector s = Blocks.add(x, xo + 16, Blocks.add(x, xo, FloatVector.zero(FB)));
        FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
        FloatVector m = FloatVector.broadcast(FB, Blocks.scale(data, bo + 2));
        // one add on the carried accumulator per block: d·p + m·s is formed off the dependency chain
        return acc.add(p.fma(d, s.mul(m)));
    }

    @Override
    boolean hasMinimum() {
        return true;
    }

    @Override
    void widen(int row, int b0, int b1, float[] q, float[] d, float[] m) {
        long base = row * rowBytes;
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) BLOCK * b;
            d[b - b0] = Blocks.scale(data, bo);
            m[b - b0] = Blocks.scale(data, bo + 2);
            ByteVector v = Blocks.load16(data, bo + 4);
            Blocks.widen(v.and((byte) 0x0F), q, (b - b0) * QK);
            Blocks.widen(Blocks.highNibbles(v), q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
            FloatVector m = FloatVector.broadcast(FB, Blocks.scale(data, bo + 2));
            ByteVector v = Blocks.load16(data, bo + 4);
            Blocks.store(v.and((byte) 0x0F), d, m, dst, off + b * QK);
            Blocks.store(Blocks.highNibbles(v), d, m, dst, off + b * QK + 16);
        }
    }
}
