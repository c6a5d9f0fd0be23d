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
 * llama.cpp's Q4_0: each row is cut into blocks of 32 values; a block stores 32 unsigned 4-bit quants {@code q}
 * and one f16 scale {@code d}, and value {@code j} is {@code (q[j] − 8)·d}. Quantisation is exactly llama.cpp's
 * {@code quantize_row_q4_0_ref}: {@code max} is the value of largest magnitude (the first one on ties),
 * {@code d = max / −8}, {@code q = min(15, (int) (x·(1/d) + 8.5f))} (in f32 arithmetic, 0 when {@code d = 0}).
 *
 * <p>Layout in memory (and on disk, for mapping): two regions in one segment, which should start 64-byte aligned;
 * {@code nb = cols / 32}:
 * <pre>
 *   bytes [0, Q)                  quants  16 bytes per block: block b of row r at byte 16·(r·nb + b);
 *                                         its byte j holds q[32b + j] in the low nibble and q[32b + j + 16]
 *                                         in the high nibble (j = 0..15);   Q = align64(rows·cols / 2)
 *   bytes [Q, Q + 2·rows·nb)      scales  d[r][b] (f16, little-endian) at byte Q + 2·(r·nb + b)
 * </pre>
 * The nibble order is llama.cpp's: one 16-byte load gives values 0–15 of the block from the low nibbles (one AND)
 * and values 16–31 from the high nibbles (one shift), each a contiguous run that widens straight into float
 * vectors (one 512-bit vector each on AVX-512). Quants apart from scales keep every load aligned.
 *
 * <p>Kernels as in {@link Q8_0Matrix}: nibbles are unpacked in a 16-byte register (AND, shift, subtract 8), widened
 * to f32 and multiplied in f32. Per weight that is as much vector work as q8_0, so q4_0 mat-vec is compute-bound on
 * two cores where q8_0 is nearly memory-bound (see {@code docs/performance.md}).
 */
public final class Q4_0Matrix implements Matrix {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final int nb;
    private final long scales;

    /** Wraps a segment holding the layout above (e.g. a mapped file); no copy. */
    public Q4_0Matrix(MemorySegment data, int rows, int cols) {
        Blocks.checkShape("q4_0", rows, cols);
        Blocks.checkSize("q4_0", data, byteSize(rows, cols), rows, cols);
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.nb = cols / QK;
        this.scales = scalesOffset(rows, cols);
    }

    /** Bytes of the layout for {@code rows × cols} (cols a multiple of 32). */
    public static long byteSize(int rows, int cols) {
        Blocks.checkShape("q4_0", rows, cols);
        return scalesOffset(rows, cols) + 2L * rows * (cols / QK);
    }

    /** Byte offset of the scales region. */
    public static long scalesOffset(int rows, int cols) {
        return Blocks.align64((long) rows * cols / 2);
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
        Blocks.checkShape("q4_0", rows, cols);
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " of " + rows);
        }
        int nb = cols / QK;
        long q = (long) row * nb * 16;
        long s = scalesOffset(rows, cols) + 2L * row * nb;
        for (int b = 0; b < nb; b++) {
            int o = srcOff + b * QK;
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
            dst.set(Blocks.LE_SHORT, s + 2L * b, Float.floatToFloat16(d));
            for (int j = 0; j < QK / 2; j++) {
                int lo = Math.min(15, (int) (src[o + j] * id + 8.5f));
                int hi = Math.min(15, (int) (src[o + j + QK / 2] * id + 8.5f));
                dst.set(ValueLayout.JAVA_BYTE, q + 16L * b + j, (byte) (lo | hi << 4));
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
        return MatrixFormat.Q4_0;
    }

    @Override
    public long byteSize() {
        return (long) rows * cols / 2 + 2L * rows * nb;
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
        long q = (long) row * nb * 16;
        // One call site of block(): its vector code is inlined once, which keeps the method inside C2's inlining
        // budget (three inlined copies made C2 give up on the intrinsics and fall back to slow Java code). C2
        // unrolls the loop itself; the one FMA per block carried from iteration to iteration is no bottleneck.
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++) {
            acc = block(q + 16L * b, d[b], x, xOff + b * QK, acc);
        }
        return Simd.sum(acc);
    }

    /** {@code acc + d·((q − 8) ⊙ x)} for the block whose 16 bytes start at {@code qo} and scale is {@code d}. */
    private FloatVector block(long qo, float d, float[] x, int xo, FloatVector acc) {
        FloatVector p = FloatVector.zero(FB);
        for (int c = 0; c < 16; c += FB_LANES) {
            ByteVector v = ByteVector.fromMemorySegment(BL, data, qo + c, LE);
            p = widen(low(v)).fma(FloatVector.fromArray(FB, x, xo + c), p);
            p = widen(high(v)).fma(FloatVector.fromArray(FB, x, xo + 16 + c), p);
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
        long q = (long) row * nb * 16;
        long s = scales + 2L * row * nb;
        for (int b = 0; b < nb; b++) {
            FloatVector d = FloatVector.broadcast(FB, Blocks.scale(data, s + 2L * b));
            int o = off + b * QK;
            for (int c = 0; c < 16; c += FB_LANES) {
                ByteVector v = ByteVector.fromMemorySegment(BL, data, q + 16L * b + c, LE);
                widen(low(v)).mul(d).intoArray(dst, o + c);
                widen(high(v)).mul(d).intoArray(dst, o + 16 + c);
            }
        }
    }

    /** Values 0–15 of a block: low nibbles, minus the offset 8. */
    private static ByteVector low(ByteVector v) {
        return v.and((byte) 0x0F).sub((byte) 8);
    }

    /** Values 16–31 of a block: high nibbles (shifted as ints, which x86 does in one instruction), minus 8. */
    private static ByteVector high(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
    }

    /**
     * The first {@link Simd#FB_LANES} bytes as f32. (With 4-lane vectors the loads are 8 bytes of which 4 are used;
     * they stay inside the segment because the scales region follows the quants.)
     */
    private static FloatVector widen(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, FB, 0);
    }
}
