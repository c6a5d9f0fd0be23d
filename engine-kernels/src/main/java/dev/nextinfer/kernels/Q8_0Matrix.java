package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.BL;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * llama.cpp's Q8_0: each row is cut into blocks of 32 values; a block stores 32 signed bytes {@code q} and one
 * f16 scale {@code d}, and value {@code j} is {@code q[j]·d}. Quantisation is exactly llama.cpp's
 * {@code quantize_row_q8_0_ref}: {@code d = amax / 127}, {@code q = roundf(x · (1/d))} (0 when {@code d = 0}).
 *
 * <p>Layout in memory (and on disk, for mapping): two regions in one segment, which should start 64-byte aligned;
 * {@code nb = cols / 32}:
 * <pre>
 *   bytes [0, Q)                  quants  q[r][c] (int8) at byte r·cols + c;   Q = align64(rows·cols)
 *   bytes [Q, Q + 2·rows·nb)      scales  d[r][b] (f16, little-endian) at byte Q + 2·(r·nb + b)
 * </pre>
 * Unlike llama.cpp's interleaved 34-byte blocks, the quants form a plain int8 matrix: every vector load is aligned
 * and carries only quants, and a row's scales are one short contiguous run. Values and scales are bit for bit
 * llama.cpp's, only their order differs.
 *
 * <p>Kernels widen quants to f32 and accumulate in f32. (The Vector API exposes no int8 dot-product instruction;
 * quantising the activations to int8 as llama.cpp does and emulating one measured 8–16% slower.) Mat-vec streams one row at a
 * time: the row's scales are converted to f32 in one vectorised pass, then each block is two widening loads, two
 * FMAs with the activations and one FMA with its scale. Mat-mat goes through {@link PanelMatMul}.
 */
public final class Q8_0Matrix implements Matrix {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int nb;
    private final long scales;

    /** Wraps a segment holding the layout above (e.g. a mapped file); no copy. */
    public Q8_0Matrix(MemorySegment data, int rows, int cols) {
        Blocks.checkShape("q8_0", rows, cols);
        Blocks.checkSize("q8_0", data, byteSize(rows, cols), rows, cols);
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.nb = cols / QK;
        this.scales = scalesOffset(rows, cols);
    }

    /** Bytes of the layout for {@code rows × cols} (cols a multiple of 32). */
    public static long byteSize(int rows, int cols) {
        Blocks.checkShape("q8_0", rows, cols);
        return scalesOffset(rows, cols) + 2L * rows * (cols / QK);
    }

    /** Byte offset of the scales region. */
    public static long scalesOffset(int rows, int cols) {
        return Blocks.align64((long) rows * cols);
    }

    /** A zeroed, 64-byte aligned segment for {@code rows × cols}, to fill with {@link #quantizeRow}. */
    public static MemorySegment allocate(Arena arena, int rows, int cols) {
        return arena.allocate(byteSize(rows, cols), 64);
    }

    /**
     * Quantises {@code src[srcOff .. srcOff + cols)} into row {@code row} of a {@code rows × cols} layout in
     * {@code dst}. Rows are independent, so a loader can stream a tensor row by row.
     */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, int rows, int cols, int row) {
        Blocks.checkShape("q8_0", rows, cols);
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
        int nb = cols / QK;
        long q = (long) row * cols;
        long s = scalesOffset(rows, cols) + 2L * row * nb;
        for (int b = 0; b < nb; b++) {
            int o = srcOff + b * QK;
            float amax = 0f;
            for (int j = 0; j < QK; j++) {
                amax = Math.max(amax, Math.abs(src[o + j]));
            }
            float d = amax / 127;
            float id = d != 0f ? 1.0f / d : 0f;
            dst.set(Blocks.LE_SHORT, s + 2L * b, Float.floatToFloat16(d));
            for (int j = 0; j < QK; j++) {
                dst.set(ValueLayout.JAVA_BYTE, q + (long) b * QK + j, (byte) Blocks.roundHalfAway(src[o + j] * id));
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

    /** The underlying segment (the layout above), e.g. to write it to disk. */
    public MemorySegment segment() {
        return data;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q8_0;
    }

    @Override
    public long byteSize() {
        return (long) rows * cols + 2L * rows * nb;
    }

    @Override
    public float dot(int row, float[] x, int xOff) {
        float[] d = new float[nb];
        Blocks.scalesToFloat(data, scales + 2L * row * nb, nb, d);
        return dot(row, d, x, xOff);
    }

    /** Converts each row's scales once, then streams its quants (see {@link Blocks#scalesToFloat}). */
    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        float[] d = new float[nb];
        for (int r = r0; r < r1; r++) {
            Blocks.scalesToFloat(data, scales + 2L * r * nb, nb, d);
            y[yOff + r] = dot(r, d, x, xOff);
        }
    }

    /** Row {@code row}·x given the row's scales {@code d} as f32. */
    private float dot(int row, float[] d, float[] x, int xOff) {
        long q = (long) row * cols;
        // One call site of block(): its vector code is inlined once, which keeps the method inside C2's inlining
        // budget (three inlined copies made C2 give up on the intrinsics and fall back to slow Java code). C2
        // unrolls the loop itself; the one FMA per block carried from iteration to iteration is no bottleneck.
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++) {
            acc = block(q + (long) b * QK, d[b], x, xOff + b * QK, acc);
        }
        return Simd.sum(acc);
    }

    /** {@code acc + d·(q ⊙ x)} for the block whose quants start at byte {@code qo} and scale is {@code d}. */
    private FloatVector block(long qo, float d, float[] x, int xo, FloatVector acc) {
        FloatVector p = widen(qo).mul(FloatVector.fromArray(FB, x, xo));
        for (int c = FB_LANES; c < QK; c += FB_LANES) {
            p = widen(qo + c).fma(FloatVector.fromArray(FB, x, xo + c), p);
        }
        return p.fma(FloatVector.broadcast(FB, d), acc);
    }

    @Override
    public void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
            return;
        }
        // A few rows (speculative verification): the mat-vec kernel once per activation row while the weight row
        // is in L1, instead of dequantising it into a panel that so few rows cannot amortise
        float[] d = new float[nb];
        for (int r = r0; r < r1; r++) {
            Blocks.scalesToFloat(data, scales + 2L * r * nb, nb, d);
            for (int t = 0; t < n; t++) {
                y[yOff + t * yStride + r] = dot(r, d, x, xOff + t * xStride);
            }
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long q = (long) row * cols;
        long s = scales + 2L * row * nb;
        for (int b = 0; b < nb; b++) {
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, s + 2L * b));
            for (int c = 0; c < QK; c += FB_LANES) {
                widen(q + (long) b * QK + c).mul(d).intoArray(dst, off + b * QK + c);
            }
        }
    }

    /**
     * {@link Simd#FB_LANES} quants from byte {@code off}, widened to f32. (With 4-lane vectors the load is 8 bytes
     * of which 4 are used; it stays inside the segment because the scales region follows the quants.)
     */
    private FloatVector widen(long off) {
        return (FloatVector) ByteVector.fromMemorySegment(BL, data, off, LE).convertShape(VectorOperators.B2F, FB, 0);
    }
}
