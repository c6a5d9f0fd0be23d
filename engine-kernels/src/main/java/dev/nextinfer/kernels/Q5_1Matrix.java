package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q5_1, byte for byte: each row is {@code cols / 32} blocks {@code block_q5_1 {f16 d; f16 m; uint8 qh[4];
 * uint8 qs[16]}} of 24 bytes. Quant {@code j} (0..31) has 5 bits: its low 4 are the low nibble of {@code qs[j]}
 * ({@code j < 16}) or the high nibble of {@code qs[j − 16]}, its fifth is bit {@code j} of {@code qh} read as a
 * little-endian uint32; value {@code j} is {@code q[j]·d + m} (an f32 product, then an f32 sum, as ggml's
 * {@code dequantize_row_q5_1}).
 *
 * <p>Encoding ({@link #encodeRow}) is llama.cpp's {@code quantize_row_q5_1_ref}: {@code min}/{@code max} of the block,
 * {@code d = (max − min) / 31}, {@code q = (int) ((x − min)·(1/d) + 0.5f)} in f32 (0 when {@code d = 0}), {@code d}
 * and {@code m = min} stored as f16.
 *
 * <p>Kernels assemble the quants as in {@link Q5_0Matrix} and fuse the minimum as in {@link Q4_1Matrix}:
 * {@code Σ (q·d + m)·x = d·Σ q·x + m·Σ x}.
 */
public final class Q5_1Matrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 24;

    /** Wraps {@code rows × cols} values stored as ggml Q5_1 blocks at the start of {@code data}; no copy. */
    public Q5_1Matrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.Q5_1, data, rows, cols);
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
            float d = (max - min) / 31;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(Blocks.LE_SHORT, bo, Float.floatToFloat16(d));
            dst.set(Blocks.LE_SHORT, bo + 2, Float.floatToFloat16(min));
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                // (x − min)·id rounded to f32 first, then + 0.5f: C evaluates the two steps separately
                float x0 = (src[o + j] - min) * id;
                float x1 = (src[o + j + QK / 2] - min) * id;
                int lo = (int) (x0 + 0.5f);
                int hi = (int) (x1 + 0.5f);
                dst.set(ValueLayout.JAVA_BYTE, bo + 8 + j, (byte) ((lo & 0x0F) | (hi & 0x0F) << 4));
                qh |= ((lo >>> 4) & 1) << j | ((hi >>> 4) & 1) << (j + QK / 2);
            }
            dst.set(Blocks.LE_INT, bo + 4, qh);
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
        int qh = data.get(Blocks.LE_INT, bo + 4);
        ByteVector v = Blocks.load16(data, bo + 8);
        FloatVector p = Blocks.fma5(v.and((byte) 0x0F), qh, 0, x, xo, FloatVector.zero(FB));
        p = Blocks.fma5(Blocks.highNibbles(v), qh >>> 16, 0, x, xo + 16, p);
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
            int qh = data.get(Blocks.LE_INT, bo + 4);
            ByteVector v = Blocks.load16(data, bo + 8);
            Blocks.widen5(v.and((byte) 0x0F), qh, 0, q, (b - b0) * QK);
            Blocks.widen5(Blocks.highNibbles(v), qh >>> 16, 0, q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
            FloatVector m = FloatVector.broadcast(FB, Blocks.scale(data, bo + 2));
            int qh = data.get(Blocks.LE_INT, bo + 4);
            ByteVector v = Blocks.load16(data, bo + 8);
            Blocks.store5(v.and((byte) 0x0F), qh, 0, d, m, dst, off + b * QK);
            Blocks.store5(Blocks.highNibbles(v), qh >>> 16, 0, d, m, dst, off + b * QK + 16);
        }
    }
}
