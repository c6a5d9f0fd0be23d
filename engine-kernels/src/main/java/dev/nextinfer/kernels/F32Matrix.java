package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/** f32 matrix over a (possibly memory-mapped, possibly unaligned) little-endian segment. */
public final class F32Matrix implements Matrix {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final int rows;
    private final int cols;

    /** Wraps {@code rows × cols} little-endian floats starting at the segment's first byte. */
    public F32Matrix(MemorySegment data, int rows, int cols) {
        if (data.byteSize() < (long) rows * cols * 4) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for f32 [" + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** Copies a heap array (row-major) into a new heap-backed matrix; for tests and small tensors. */
    public static F32Matrix of(float[] values, int rows, int cols) {
        if (values.length != rows * cols) {
            throw new IllegalArgumentException("expected " + rows * cols + " values, got " + values.length);
        }
        MemorySegment seg = MemorySegment.ofArray(new byte[values.length * 4]);
        for (int i = 0; i < values.length; i++) {
            seg.set(LE_FLOAT, 4L * i, values[i]);
        }
        return new F32Matrix(seg, rows, cols);
    }

    /** The underlying segment, e.g. to write it to disk. */
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
        return MatrixFormat.F32;
    }

    @Override
    public long byteSize() {
        return (long) rows * cols * 4;
    }

    /** One loop per format: see {@link BlockMatrix#matVec}. */
    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            y[yOff + r] = dot(r, x, xOff);
        }
    }

    /** Four independent accumulators, so the loop runs at load/FMA throughput rather than FMA latency. */
    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = (long) row * cols * 4;
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + 4 * step <= cols; c += 4 * step) {
            a0 = load(base + 4L * c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
            a1 = load(base + 4L * (c + step)).fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
            a2 = load(base + 4L * (c + 2 * step)).fma(FloatVector.fromArray(F, x, xOff + c + 2 * step), a2);
            a3 = load(base + 4L * (c + 3 * step)).fma(FloatVector.fromArray(F, x, xOff + c + 3 * step), a3);
        }
        for (; c + step <= cols; c += step) {
            a0 = load(base + 4L * c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
        }
        float sum = Simd.sum(a0.add(a1).add(a2.add(a3)));
        for (; c < cols; c++) {
            sum += data.get(LE_FLOAT, base + 4L * c) * x[xOff + c];
        }
        return sum;
    }

    private FloatVector load(long off) {
        return FloatVector.fromMemorySegment(F, data, off, ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else { // a few rows (speculative verification): the few-row kernel
            matVecRows(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    /** Each weight row converted once into an f32 array in L1, then {@link #dot}'s four-accumulator loop per activation row. */
    @Override
    public void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n == 1) {
            matVec(x, xOff, y, yOff, r0, r1);
        } else {
            WidenedRows.fourAccumulatorRows(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = (long) row * cols * 4;
        MemorySegment.copy(data, LE_FLOAT, base, dst, off, cols);
    }
}
