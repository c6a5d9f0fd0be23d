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
import jdk.incubator.vector.VectorOperators;

/** bfloat16 matrix over a little-endian segment (used in place from a mapped checkpoint). */
public final class BF16Matrix implements Matrix {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment data;
    private final int rows;
    private final int cols;

    /** Wraps {@code rows × cols} little-endian bf16 values starting at the segment's first byte. */
    public BF16Matrix(MemorySegment data, int rows, int cols) {
        if (data.byteSize() < (long) rows * cols * 2) {
            throw new IllegalArgumentException("segment of " + data.byteSize() + " bytes is too small for bf16 [" + rows + ", " + cols + "]");
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** bf16 → f32: the bf16 bits are the upper half of the f32 bits. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** f32 → bf16 with round-to-nearest-even (NaN stays NaN). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
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
        return MatrixFormat.BF16;
    }

    @Override
    public long byteSize() {
        return (long) rows * cols * 2;
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
        long base = (long) row * cols * 2;
        int step = F.length();
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int c = 0;
        for (; c + 4 * step <= cols; c += 4 * step) {
            a0 = load(base + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
            a1 = load(base + 2L * (c + step)).fma(FloatVector.fromArray(F, x, xOff + c + step), a1);
            a2 = load(base + 2L * (c + 2 * step)).fma(FloatVector.fromArray(F, x, xOff + c + 2 * step), a2);
            a3 = load(base + 2L * (c + 3 * step)).fma(FloatVector.fromArray(F, x, xOff + c + 3 * step), a3);
        }
        for (; c + step <= cols; c += step) {
            a0 = load(base + 2L * c).fma(FloatVector.fromArray(F, x, xOff + c), a0);
        }
        float sum = Simd.sum(a0.add(a1).add(a2.add(a3)));
        for (; c < cols; c++) {
            sum += toFloat(data.get(LE_SHORT, base + 2L * c)) * x[xOff + c];
        }
        return sum;
    }

    /**
     * {@code F.length()} bf16 values at byte {@code off}, widened to f32 (bf16 bits are the top half of f32). The
     * shift is called on {@code IntVector}, not on the {@code Vector<Integer>} that {@code convertShape} declares:
     * through the interface's {@code lanewise(op, long)} C2 (JDK 25.0.3) sometimes typed the shifted lanes as float
     * and the JVM died compiling this method ("fatal error: LSHIFT: float" in {@code VectorSupport::vop2ideal};
     * reproduced by running the GGUF and safetensors tests of engine-core alone).
     */
    private FloatVector load(long off) {
        ShortVector s = ShortVector.fromMemorySegment(S_HALF, data, off, ByteOrder.LITTLE_ENDIAN);
        IntVector widened = (IntVector) s.convertShape(VectorOperators.S2I, I, 0);
        return widened.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
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
        long base = (long) row * cols * 2;
        int upper = F.loopBound(cols);
        int c = 0;
        for (; c < upper; c += F.length()) {
            load(base + 2L * c).intoArray(dst, off + c);
        }
        for (; c < cols; c++) {
            dst[off + c] = toFloat(data.get(LE_SHORT, base + 2L * c));
        }
    }
}
