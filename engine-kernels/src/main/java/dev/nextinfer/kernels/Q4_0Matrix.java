package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q4_0, byte for byte: each row is {@code cols / 32} blocks {@code block_q4_0 {f16 d; uint8 qs[16]}} of 18
 * bytes; byte {@code j} of {@code qs} holds quant {@code j} in its low nibble and quant {@code j + 16} in its high
 * nibble, and value {@code j} is {@code (q[j] − 8)·d}. Rows follow each other without padding, so a GGUF tensor
 * (or one expert's rows of it) is used in place, at any alignment.
 *
 * <p>Quantisation is exactly llama.cpp's {@code quantize_row_q4_0_ref}: {@code max} is the value of largest
 * magnitude (the first one on ties), {@code d = max / −8}, {@code q = min(15, (int) (x·(1/d) + 8.5f))} (in f32
 * arithmetic, 0 when {@code d = 0}).
 *
 * <p>The nibble order makes one 16-byte load give values 0–15 of the block from the low nibbles (one AND) and
 * values 16–31 from the high nibbles (one shift), each a contiguous run that widens straight into float vectors
 * (one 512-bit vector each on AVX-512). Kernels as in {@link Q8_0Matrix}: nibbles are unpacked in a 16-byte
 * register (AND, shift, subtract 8), widened to f32 and multiplied in f32. Per weight that is as much vector work as
 * q8_0, so q4_0 mat-vec is compute-bound on two cores where q8_0 is nearly memory-bound (see
 * {@code docs/performance.md}).
 */
public final class Q4_0Matrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 18;

    /** Wraps {@code rows × cols} values stored as ggml Q4_0 blocks at the start of {@code data}; no copy. */
    public Q4_0Matrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.Q4_0, data, rows, cols);
    }

    /** Bytes of a {@code rows × cols} matrix: {@code rows · cols/32 · 18} (cols a multiple of 32). */
    public static long byteSize(int rows, int cols) {
        Blocks.checkShape("q4_0", rows, cols);
        return MatrixFormat.Q4_0.byteSize(rows, cols);
    }

    /** A zeroed, 64-byte aligned segment for {@code rows × cols}, to fill with {@link #quantizeRow}. */
    public static MemorySegment allocate(Arena arena, int rows, int cols) {
        return arena.allocate(byteSize(rows, cols), 64);
    }

    /**
     * Quantises {@code src[srcOff .. srcOff + cols)} into row {@code row} of a {@code rows × cols} matrix in
     * {@code dst}. Rows are independent, so a loader can stream a tensor row by row.
     */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, int rows, int cols, int row) {
        Blocks.checkShape("q4_0", rows, cols);
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
        encodeRow(src, srcOff, dst, row * MatrixFormat.Q4_0.rowBytes(cols), cols);
    }

    /** Quantises {@code cols} values into {@code cols / 32} blocks at byte {@code off} of {@code dst}. */
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
            float d = max / -8;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(Blocks.LE_SHORT, bo, Float.floatToFloat16(d));
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, (int) (src[o + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[o + j + QK / 2] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, bo + 2 + j, (byte) (lo | hi << 4));
            }
        }
    }

    /** Quantises a row-major heap array into a new heap-backed matrix; for tests and small tensors. */
    public static Q4_0Matrix of(float[] values, int rows, int cols) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values, got " + values.length);
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.toIntExact(byteSize(rows, cols))]);
        for (int r = 0; r < rows; r++) {
            quantizeRow(values, r * cols, seg, rows, cols, r);
        }
        return new Q4_0Matrix(seg, rows, cols);
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

    /** {@code acc + d·((q − 8) ⊙ x)} for the block at byte {@code bo}. */
    private FloatVector block(long bo, float[] x, int xo, FloatVector acc) {
        ByteVector v = Blocks.load16(data, bo + 2);
        FloatVector p = Blocks.fma(v.and((byte) 0x0F).sub((byte) 8), x, xo, FloatVector.zero(FB));
        p = Blocks.fma(Blocks.highNibbles(v).sub((byte) 8), x, xo + 16, p);
        return p.fma(FloatVector.broadcast(FB, Blocks.scale(data, bo)), acc);
    }

    @Override
    void widen(int row, int b0, int b1, float[] q, float[] d, float[] m) {
        long base = row * rowBytes;
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) BLOCK * b;
            d[b - b0] = Blocks.scale(data, bo);
            ByteVector v = Blocks.load16(data, bo + 2);
            Blocks.widen(v.and((byte) 0x0F).sub((byte) 8), q, (b - b0) * QK);
            Blocks.widen(Blocks.highNibbles(v).sub((byte) 8), q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
            ByteVector v = Blocks.load16(data, bo + 2);
            Blocks.store(v.and((byte) 0x0F).sub((byte) 8), d, null, dst, off + b * QK);
            Blocks.store(Blocks.highNibbles(v).sub((byte) 8), d, null, dst, off + b * QK + 16);
        }
    }
}
