package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

/** Builds matrices of every format, in segments that start {@code shift} bytes into an array. */
final class TestMatrices {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A matrix, the segment its kernels read, and its shape. */
    record Built(Matrix matrix, MemorySegment segment, int rows, int cols) {
    }

    /** The formats with kernels ({@link MatrixFormat#wrap}): {@link #random} builds every one of them. */
    static final List<MatrixFormat> FORMATS = List.of(MatrixFormat.F32, MatrixFormat.BF16, MatrixFormat.F16,
            MatrixFormat.Q8_0, MatrixFormat.Q4_0, MatrixFormat.Q4_1, MatrixFormat.Q5_0, MatrixFormat.Q5_1,
            MatrixFormat.IQ4_NL, MatrixFormat.MXFP4, MatrixFormat.Q4_K, MatrixFormat.Q5_K, MatrixFormat.Q6_K, MatrixFormat.Q3_K,
            MatrixFormat.Q2_K, MatrixFormat.IQ4_XS);

    /** The formats {@link #build} can make from f32 values (those with an encoder). */
    static final List<MatrixFormat> ENCODABLE = FORMATS.stream().filter(MatrixFormat::canEncode).toList();

    private TestMatrices() {
    }

    /** {@link #FORMATS}, for {@code @MethodSource}. */
    static java.util.stream.Stream<MatrixFormat> formats() {
        return FORMATS.stream();
    }

    /** {@link #ENCODABLE}, for {@code @MethodSource}. */
    static java.util.stream.Stream<MatrixFormat> encodable() {
        return ENCODABLE.stream();
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

    /** A random matrix of any format: encoded random values where the format has an encoder, random blocks else. */
    static Built random(MatrixFormat format, Random rnd, int rows, int cols, int shift) {
        if (format.canEncode()) {
            return build(format, randomValues(rnd, rows, cols), rows, cols, shift);
        }
        MemorySegment seg = segment(format, rows, cols, shift);
        byte[] bytes = new byte[(int) seg.byteSize()];
        rnd.nextBytes(bytes);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        long blocks = seg.byteSize() / format.blockBytes();
        for (long b = 0; b < blocks; b++) {
            long bo = b * format.blockBytes();
            if (format != MatrixFormat.IQ4_NL && format != MatrixFormat.IQ4_XS) { // both start with their f16 scale
                throw new IllegalArgumentException("no random builder for " + format);
            }
            // a finite f16 scale (random sign and magnitude) in place of the random bits
            seg.set(LE_SHORT, bo, Float.floatToFloat16((float) (rnd.nextGaussian() * 0.01)));
        }
        return new Built(format.wrap(seg, rows, cols), seg, rows, cols);
    }

    /** {@code values} encoded in {@code format} ({@link MatrixFormat#encodeRow}) in a segment {@code shift} bytes into an array. */
    static Built build(MatrixFormat format, float[] values, int rows, int cols, int shift) {
        MemorySegment seg = segment(format, rows, cols, shift);
        long rowBytes = format.rowBytes(cols);
        for (int r = 0; r < rows; r++) {
            format.encodeRow(values, r * cols, seg, r * rowBytes, cols);
        }
        return new Built(format.wrap(seg, rows, cols), seg, rows, cols);
    }

    /** A zeroed segment of exactly the matrix's size, starting {@code shift} bytes into a heap array. */
    private static MemorySegment segment(MatrixFormat format, int rows, int cols, int shift) {
        long size = format.byteSize(rows, cols);
        return MemorySegment.ofArray(new byte[Math.toIntExact(size + shift)]).asSlice(shift, size);
    }
}
