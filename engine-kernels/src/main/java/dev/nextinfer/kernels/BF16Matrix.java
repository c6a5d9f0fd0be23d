package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;
import static dev.nextinfer.kernels.Simd.I;
import static dev.nextinfer.kernels.Simd.S_HALF;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
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

    @Override
    public float dot(int row, float[] x, int xOff) {
        long base = (long) row * cols * 2;
        int upper = F.loopBound(cols);
        FloatVector acc = FloatVector.zero(F);
        int c = 0;
        for (; c < upper; c += F.length()) {
            ShortVector s = ShortVector.fromMemorySegment(S_HALF, data, base + 2L * c, ByteOrder.LITTLE_ENDIAN);
            FloatVector w = s.convertShape(VectorOperators.S2I, I, 0)
                    .lanewise(VectorOperators.LSHL, 16)
                    .reinterpretAsFloats();
            acc = w.fma(FloatVector.fromArray(F, x, xOff + c), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (; c < cols; c++) {
            sum += toFloat(data.get(LE_SHORT, base + 2L * c)) * x[xOff + c];
        }
        return sum;
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long base = (long) row * cols * 2;
        for (int c = 0; c < cols; c++) {
            dst[off + c] = toFloat(data.get(LE_SHORT, base + 2L * c));
        }
    }
}
