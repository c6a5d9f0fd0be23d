package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q5_0, byte for byte: each row is {@code cols / 32} blocks {@code block_q5_0 {f16 d; uint8 qh[4]; uint8
 * qs[16]}} of 22 bytes. Quant {@code j} has 5 bits: its low 4 are the low nibble of {@code qs[j]} ({@code j < 16}) or
 * the high nibble of {@code qs[j − 16]}, its fifth is bit {@code j} of {@code qh} read as a little-endian uint32;
 * value {@code j} is {@code (q[j] − 16)·d}.
 *
 * <p>Encoding ({@link #encodeRow}) is llama.cpp's {@code quantize_row_q5_0_ref}: {@code max} is the value of largest
 * magnitude (the first one on ties), {@code d = max / −16}, {@code q = min(31, (int) (x·(1/d) + 16.5f))} in f32 (0
 * when {@code d = 0}), {@code d} stored as f16.
 *
 * <p>Kernels assemble the quants as ints: the nibbles widened from one 16-byte load, the fifth bits spread over the
 * lanes by one variable shift of the broadcast {@code qh} ({@link Blocks#fifthBits}), then {@code − 16} and a
 * conversion to f32.
 */
public final class Q5_0Matrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 22;

    /** Wraps {@code rows × cols} values stored as ggml Q5_0 blocks at the start of {@code data}; no copy. */
    public Q5_0Matrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.Q5_0, data, rows, cols);
    }

    /** Encodes {@code cols} values into {@code cols / 32} blocks at byte {@code off} of {@code dst}. */
    static void encodeRow(float[] src, int srcOff, MemorySegment dst, long off, int cols) {
        for (int b = 0; b < cols / QK; b++) {
            int o = srcOff + b * QK;
            long bo = off + (long) BLOCK * b;
            float amax = 0f;
            float max = 0f;
            for (int j = 0; j < QK; j++) {
                float v = src[o + j];
                if (amax < Math.abs(v)) {
                    amax = Math.abs(v);
                    max = v;
                }
            }
            float d = max / -16;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(Blocks.LE_SHORT, bo, Float.floatToFloat16(d));
            int qh = 0;
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(31, (int) (src[o + j] * id + 16.5f));
                int hi = Math.min(31, (int) (src[o + j + QK / 2] * id + 16.5f));
                dst.set(ValueLayout.JAVA_BYTE, bo + 6 + j, (byte) ((lo & 0x0F) | (hi & 0x0F) << 4));
                qh |= (lo >>> 4) << j | (hi >>> 4) << (j + QK / 2);
            }
            dst.set(Blocks.LE_INT, bo + 2, qh);
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

    /** {@code acc + d·((q − 16) ⊙ x)} for the block at byte {@code bo}. */
    private FloatVector block(long bo, float[] x, int xo, FloatVector acc) {
        int qh = data.get(Blocks.LE_INT, bo + 2);
        ByteVector v = Blocks.load16(data, bo + 6);
        FloatVector p = Blocks.fma5(v.and((byte) 0x0F), qh, 16, x, xo, FloatVector.zero(FB));
        p = Blocks.fma5(Blocks.highNibbles(v), qh >>> 16, 16, x, xo + 16, p);
        return p.fma(FloatVector.broadcast(FB, Blocks.scale(data, bo)), acc);
    }

    @Override
    void widen(int row, int b0, int b1, float[] q, float[] d, float[] m) {
        long base = row * rowBytes;
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) BLOCK * b;
            d[b - b0] = Blocks.scale(data, bo);
            int qh = data.get(Blocks.LE_INT, bo + 2);
            ByteVector v = Blocks.load16(data, bo + 6);
            Blocks.widen5(v.and((byte) 0x0F), qh, 16, q, (b - b0) * QK);
            Blocks.widen5(Blocks.highNibbles(v), qh >>> 16, 16, q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
            int qh = data.get(Blocks.LE_INT, bo + 2);
            ByteVector v = Blocks.load16(data, bo + 6);
            Blocks.store5(v.and((byte) 0x0F), qh, 16, d, null, dst, off + b * QK);
            Blocks.store5(Blocks.highNibbles(v), qh >>> 16, 16, d, null, dst, off + b * QK + 16);
        }
    }
}
