package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/** Builds matrices of every format from random f32 values, in segments that start {@code shift} bytes into an array. */
final class TestMatrices {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A matrix, the segment its kernels read, and its shape. */
    record Built(Matrix matrix, MemorySegment segment, int rows, int cols) {
    }

    /** The formats {@link #build} can make from f32 values (those with an encoder). */
    static final java.util.List<MatrixFormat> FORMATS = java.util.List.of(MatrixFormat.F32, MatrixFormat.BF16,
            MatrixFormat.Q8_0, MatrixFormat.Q4_0, MatrixFormat.Q4_K, MatrixFormat.Q5_K, MatrixFormat.Q6_K, MatrixFormat.Q3_K,
            MatrixFormat.Q2_K);

    private TestMatrices() {
    }

    /** {@link #FORMATS}, for {@code @MethodSource}. */
    static java.util.stream.Stream<MatrixFormat> formats() {
        return FORMATS.stream();
    }

    /** Gaussian values with a few per-row magnitudes, so blocks have different scales. */
    static float[] randomValues(Random rnd, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double rowScale = Math.pow(10, rnd.nextInt(3) - 1);
            for (int c = 0; c < cols; c++) {
                v[r * cols + c] = (float) (rnd.nextGaussian() * rowScale);
            }
        }
        return v;
    }

    static float[] randomVector(Random rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** {@code values} stored in {@code format} in a heap segment that starts {@code shift} bytes into its array. */
    static Built build(MatrixFormat format, float[] values, int rows, int cols, int shift) {
        if (format.blockValues() == 256) {
            // ggml's super-block formats: rows encoded one by one, back to back, wrapped in place
            long size = format.byteSize(rows, cols);
            long rowBytes = format.rowBytes(cols);
            MemorySegment seg = MemorySegment.ofArray(new byte[Math.toIntExact(size + shift)]).asSlice(shift, size);
            for (int r = 0; r < rows; r++) {
                format.encodeRow(values, r * cols, seg, r * rowBytes, cols);
            }
            return new Built(format.wrap(seg, rows, cols), seg, rows, cols);
        }
        long size = switch (format) {
            case F32 -> 4L * rows * cols;
            case BF16 -> 2L * rows * cols;
            case Q8_0 -> Q8_0Matrix.byteSize(rows, cols);
            case Q4_0 -> Q4_0Matrix.byteSize(rows, cols);
            default -> throw new IllegalArgumentException("no test builder for " + format);
        };
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.toIntExact(size + shift)]).asSlice(shift, size);
        Matrix m = switch (format) {
            case F32 -> {
                for (int i = 0; i < values.length; i++) {
                    seg.set(LE_FLOAT, 4L * i, values[i]);
                }
                yield new F32Matrix(seg, rows, cols);
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    seg.set(LE_SHORT, 2L * i, BF16Matrix.fromFloat(values[i]));
                }
                yield new BF16Matrix(seg, rows, cols);
            }
            case Q8_0 -> {
                for (int r = 0; r < rows; r++) {
                    Q8_0Matrix.quantizeRow(values, r * cols, seg, rows, cols, r);
                }
                yield new Q8_0Matrix(seg, rows, cols);
            }
            case Q4_0 -> {
                for (int r = 0; r < rows; r++) {
                    Q4_0Matrix.quantizeRow(values, r * cols, seg, rows, cols, r);
                }
                yield new Q4_0Matrix(seg, rows, cols);
            }
            default -> throw new IllegalArgumentException("no test builder for " + format);
        };
        return new Built(m, seg, rows, cols);
    }
}
