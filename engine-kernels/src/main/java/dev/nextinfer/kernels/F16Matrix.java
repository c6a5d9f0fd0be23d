package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;
import static dev.nextinfer.kernels.Simd.I;
import static dev.nextinfer.kernels.Simd.S_HALF;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * IEEE binary16 matrix over a little-endian segment (ggml's F16 tensors, used in place from a mapped GGUF at any
 * alignment); element {@code (r, c)} at byte {@code 2·(r·cols + c)}. Conversion to f32 is exact, subnormals,
 * infinities and NaNs included.
 *
 * <p>The Vector API (JDK 25) has no f16 lane conversion, so {@link #load} converts with integer lanes: the
 * exponent and mantissa bits moved into f32 position and rebiased by one multiplication with {@code 2^112} (exact
 * for normal and subnormal halves), infinities and NaNs given an all-ones exponent, the sign put back.
 */
public final class F16Matrix implements Matrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final int rows;
    private final int cols;

    /** Wraps {@code rows × cols} little-endian halves starting at the segment's first byte. */
    public F16Matrix(MemorySegment data, int rows, int cols) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("f16 matrix needs rows, cols ≥ 1, got [" + rows + ", " + cols + "]");
        }
        if (data.byteSize() < (long) rows * cols * 2) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for f16 [" + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
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
        return MatrixFormat.F16;
    }

    @Override
    public long byteSize() {
        return (long) rows * cols * 2;
    }

    /** Four independent accumulators, so the loop runs at load/FMA throughput rather than FMA latency. */
    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = (long) row * cols * 2;
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + 4 * step <= cols; c += 4 * step) {
            a0 = load(data, base + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
            a1 = load(data, base + 2L * (c + step)).fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
            a2 = load(data, base + 2L * (c + 2 * step)).fma(FloatVector.fromArray(F, x, xOff + c + 2 * step), a2);
            a3 = load(data, base + 2L * (c + 3 * step)).fma(FloatVector.fromArray(F, x, xOff + c + 3 * step), a3);
        }
        for (; c + step <= cols; c += step) {
            a0 = load(data, base + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
        }
        float sum = Simd.sum(a0.add(a1).add(a2.add(a3)));
        for (; c < cols; c++) {
            sum += Float.float16ToFloat(data.get(LE_SHORT, base + 2L * c)) * x[xOff + c];
        }
        return sum;
    }

    /** {@code F.length()} halves at byte {@code off}, as f32 (exactly {@link Float#float16ToFloat} lane by lane). */
    static FloatVector load(MemorySegment seg, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S_HALF, seg, off, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.S2I, I, 0);
        IntVector magnitude = h.and(0x7FFF);
        IntVector bits = magnitude.lanewise(VectorOperators.LSHL, 13).reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> infOrNaN = magnitude.compare(VectorOperators.GE, 0x7C00);
        bits = bits.blend(bits.or(0x7F800000), infOrNaN);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    /** {@code dst[dstOff + i] =} the half at byte {@code off + 2i} as f32, for {@code i < n}. */
    static void toFloat(MemorySegment seg, long off, int n, float[] dst, int dstOff) {
        int upper = F.loopBound(n);
        int i = 0;
        for (; i < upper; i += F.length()) {
            load(seg, off + 2L * i).intoArray(dst, dstOff + i);
        }
        for (; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(seg.get(LE_SHORT, off + 2L * i));
        }
    }

    @Override
    public void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else { // a few rows (speculative verification): each weight row once, reused from L1 for every x row
            Matrix.super.matMul(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    @Override
    public void row(int row, float[] dst, int off) {
        toFloat(data, (long) row * cols * 2, cols, dst, off);
    }
}
