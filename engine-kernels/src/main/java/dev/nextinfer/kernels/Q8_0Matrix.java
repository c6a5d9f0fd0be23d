package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.FB;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q8_0, byte for byte: each row is {@code cols / 32} blocks {@code block_q8_0 {f16 d; int8 qs[32]}} of 34
 * bytes (the f16 little-endian), and value {@code j} of a block is {@code qs[j]·d}. Rows follow each other without
 * padding, so a GGUF tensor (or one expert's rows of it) is used in place, at any alignment.
 *
 * <p>Quantisation is exactly llama.cpp's {@code quantize_row_q8_0_ref}: {@code d = amax / 127},
 * {@code qs = roundf(x · (1/d))} (0 when {@code d = 0}), {@code d} stored as f16 rounded to nearest even.
 *
 * <p>Kernels widen quants to f32 and accumulate in f32. (The Vector API exposes no int8 dot-product instruction;
 * quantising the activations to int8 as llama.cpp does and emulating one measured 8–16% slower.) Mat-vec streams one
 * row at a time, two blocks per loop iteration (see {@link Blocks} for why); per block: two 16-byte loads widened
 * to f32, two FMAs with the activations, and one FMA with the block's scale (converted by the scalar f16
 * instruction). Mat-mat goes through {@link PanelMatMul}.
 */
public final class Q8_0Matrix extends BlockMatrix {
    /** Bytes per block. */
    static final int BLOCK = 34;

    /** Wraps {@code rows × cols} values stored as ggml Q8_0 blocks at the start of {@code data}; no copy. */
    public Q8_0Matrix(MemorySegment data, int rows, int cols) {
        super(MatrixFormat.Q8_0, data, rows, cols);
    }

    /** Bytes of a {@code rows × cols} matrix: {@code rows · cols/32 · 34} (cols a multiple of 32). */
    public static long byteSize(int rows, int cols) {
        Blocks.checkShape("q8_0", rows, cols);
        return MatrixFormat.Q8_0.byteSize(rows, cols);
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
        Blocks.checkShape("q8_0", rows, cols);
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
        encodeRow(src, srcOff, dst, row * MatrixFormat.Q8_0.rowBytes(cols), cols);
    }

    /** Quantises {@code cols} values into {@code cols / 32} blocks at byte {@code off} of {@code dst}. */
    static void encodeRow(float[] src, int srcOff, MemorySegment dst, long off, int cols) {
        for (int b = 0; b < cols / QK; b++) {
            int o = srcOff + b * QK;
            long bo = off + (long) BLOCK * b;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                amax = Math.max(amax, Math.abs(src[o + j]));
            }
            float d = amax / 127;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(Blocks.LE_SHORT, bo, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, bo + 2 + j, (byte) Blocks.roundHalfAway(src[o + j] * id));
            }
        }
    }

    /** Quantises a row-major heap array into a new heap-backed matrix; for tests and small tensors. */
    public static Q8_0Matrix of(float[] values, int rows, int cols) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values, got " + values.length);
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.toIntExact(byteSize(rows, cols))]);
        for (int r = 0; r < rows; r++) {
            quantizeRow(values, r * cols, seg, rows, cols, r);
        }
        return new Q8_0Matrix(seg, rows, cols);
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
        // two blocks per iteration, the odd last one in scalar code (a third inlined copy of the block code would
        // exceed C2's budget): see Blocks (the shape of the fused loops)
        FloatVector acc = FloatVector.zero(FB);
        int pairs = nb & ~1;
        for (int b = 0; b < pairs; b += 2) {
            acc = block(base + (long) BLOCK * b, x, xOff + b * QK, acc);
            acc = block(base + (long) BLOCK * (b + 1), x, xOff + (b + 1) * QK, acc);
        }
        float sum = Simd.sum(acc);
        return pairs == nb ? sum : sum + tail(base + (long) BLOCK * pairs, x, xOff + pairs * QK);
    }

    /**
     * {@code acc + d·(qs ⊙ x)} for the block at byte {@code bo}. The scale is converted here (one scalar f16
     * instruction): a strided pre-pass converting a row's scales into an array, as the former split layout did,
     * measured slower.
     */
    private FloatVector block(long bo, float[] x, int xo, FloatVector acc) {
        FloatVector p = Blocks.fma(Blocks.load16(data, bo + 2), x, xo, FloatVector.zero(FB));
        p = Blocks.fma(Blocks.load16(data, bo + 18), x, xo + 16, p);
        return p.fma(FloatVector.broadcast(FB, Blocks.scale(data, bo)), acc);
    }

    /** {@code d·(qs ⊙ x)} for the block at byte {@code bo}, in scalar code. */
    private float tail(long bo, float[] x, int xo) {
        float s = 0f;
        for (int j = 0; j < QK; j++) {
            s += data.get(ValueLayout.JAVA_BYTE, bo + 2 + j) * x[xo + j];
        }
        return s * Blocks.scale(data, bo);
    }

    /** The pairs of blocks: {@link #dot} runs an odd last block in scalar code ({@link #finish}). */
    @Override
    int vectorBlocks() {
        return nb & ~1;
    }

    @Override
    float finish(int row, float sum, float[] x, int xOff) {
        int pairs = nb & ~1;
        return pairs == nb ? sum : sum + tail(row * rowBytes + (long) BLOCK * pairs, x, xOff + pairs * QK);
    }

    @Override
    void widen(int row, int b0, int b1, float[] q, float[] d, float[] m) {
        long base = row * rowBytes;
        for (int b = b0; b < b1; b++) {
            long bo = base + (long) BLOCK * b;
            d[b - b0] = Blocks.scale(data, bo);
            Blocks.widen(Blocks.load16(data, bo + 2), q, (b - b0) * QK);
            Blocks.widen(Blocks.load16(data, bo + 18), q, (b - b0) * QK + 16);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = row * rowBytes;
        for (int b = 0; b < nb; b++) {
            long bo = base + (long) BLOCK * b;
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, bo));
            Blocks.store(Blocks.load16(data, bo + 2), d, null, dst, off + b * QK);
            Blocks.store(Blocks.load16(data, bo + 18), d, null, dst, off + b * QK + 16);
        }
    }
}
