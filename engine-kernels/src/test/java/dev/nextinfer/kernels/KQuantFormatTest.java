package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernels of ggml's 256-value super-block formats against {@link ScalarKQuants} on matrices of random valid
 * block bytes (every bit pattern of quants and packed scales, finite f16 scales): {@code dot}, {@code row} (bit for
 * bit), {@code matVec} and {@code matMul} (both the few-row and the panel path) on odd row counts, 1–9
 * super-blocks per row, segments that start at an odd address and end exactly at the matrix's last byte, row
 * ranges not starting at 0, activation offsets and strides; outputs outside the requested range must stay
 * untouched. (Matrices of encoded values go through {@link MatrixKernelsTest}.)
 */
class KQuantFormatTest {
    static final List<MatrixFormat> FORMATS = List.of(MatrixFormat.Q4_K, MatrixFormat.Q6_K, MatrixFormat.Q5_K,
            MatrixFormat.IQ4_XS, MatrixFormat.Q3_K, MatrixFormat.Q2_K);
    /** {rows, super-blocks per row}: odd row counts (not multiples of the panel height), 1 to 9 super-blocks. */
    private static final int[][] SHAPES = {{1, 9}, {7, 1}, {33, 3}, {65, 2}};
    /** Activation rows of matMul: the few-row path up to {@link PanelMatMul#SMALL_N}, the panel path above. */
    private static final int[] BATCH = {1, 5, 6, 13};
    private static final int SHIFT = 3;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (MatrixFormat f : FORMATS) {
            for (int[] shape : SHAPES) {
                out.add(Arguments.of(f, shape[0], shape[1]));
            }
        }
        return out.stream();
    }

    /** Byte offsets of a format's f16 fields inside its block. */
    static int[] halfFields(MatrixFormat f) {
        return switch (f) {
            case Q4_K, Q5_K -> new int[] {0, 2};
            case Q6_K -> new int[] {208};
            case Q3_K -> new int[] {108};
            case Q2_K -> new int[] {80, 82};
            case IQ4_XS -> new int[] {0};
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    /**
     * A {@code rows × cols} matrix of random block bytes whose f16 fields are finite (magnitudes 1e-3 to 1e-2,
     * either sign), in a segment that starts {@code shift} bytes into an array and ends at the matrix's last byte.
     */
    static TestMatrices.Built randomBlocks(MatrixFormat f, int rows, int cols, Random rnd, int shift) {
        long size = f.byteSize(rows, cols);
        byte[] bytes = new byte[Math.toIntExact(size + shift)];
        rnd.nextBytes(bytes);
        MemorySegment seg = MemorySegment.ofArray(bytes).asSlice(shift, size);
        for (long b = 0; b < size / f.blockBytes(); b++) {
            for (int field : halfFields(f)) {
                float v = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(10, -3 + rnd.nextDouble()));
                seg.set(LE_SHORT, b * f.blockBytes() + field, Float.floatToFloat16(v));
            }
        }
        return new TestMatrices.Built(f.wrap(seg, rows, cols), seg, rows, cols);
    }

    @ParameterizedTest(name = "{0} [{1}, {2}·256]")
    @MethodSource("cases")
    void kernelsMatchScalarTwinOnRandomBlocks(MatrixFormat f, int rows, int blocks) {
        int cols = 256 * blocks;
        Random rnd = new Random(1000L * rows + 10L * blocks + f.ordinal());
        check(randomBlocks(f, rows, cols, rnd, SHIFT), rnd);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.nextinfer.kernels.KQuantFormatTest#formatList")
    void wrapChecksShapeAndSize(MatrixFormat f) {
        MemorySegment seg = MemorySegment.ofArray(new byte[f.blockBytes() * 6]);
        Matrix m = f.wrap(seg, 3, 512);
        assertSame(f, m.format());
        assertEquals(3, m.rows());
        assertEquals(512, m.cols());
        assertEquals(6L * f.blockBytes(), m.byteSize());
        assertThrows(IllegalArgumentException.class, () -> f.wrap(seg, 4, 512), "segment too small");
        assertThrows(IllegalArgumentException.class, () -> f.wrap(seg, 1, 128), "row not whole super-blocks");
    }

    static Stream<MatrixFormat> formatList() {
        return FORMATS.stream();
    }

    /** Every kernel of {@code b.matrix()} against the scalar twin. */
    static void check(TestMatrices.Built b, Random rnd) {
        MatrixFormat f = b.matrix().format();
        int rows = b.rows();
        int cols = b.cols();
        float[][] w = new float[rows][cols];
        double[][] mag = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                w[r][c] = ScalarKQuants.element(f, b.segment(), cols, r, c);
                mag[r][c] = ScalarKQuants.magnitude(f, b.segment(), cols, r, c);
            }
        }
        Matrix m = b.matrix();

        // row(): bit for bit, nothing written outside
        float[] row = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            row[0] = row[cols + 2] = Float.NaN;
            m.row(r, row, 1);
            for (int c = 0; c < cols; c++) {
                if (Float.floatToRawIntBits(w[r][c]) != Float.floatToRawIntBits(row[1 + c])) {
                    assertEquals(w[r][c], row[1 + c], f + " row " + r + " col " + c);
                }
            }
            assertTrue(Float.isNaN(row[0]) && Float.isNaN(row[cols + 2]), "row() wrote outside its range");
        }

        // dot()
        int xOff = 5;
        float[] x = TestMatrices.randomVector(rnd, xOff + cols);
        for (int r = 0; r < rows; r++) {
            assertClose(w[r], mag[r], x, xOff, m.dot(r, x, xOff), f + " dot row " + r);
        }

        // matVec() over the full range and an inner one
        for (int[] range : ranges(rows)) {
            int yOff = 2;
            float[] y = nans(yOff + rows + 1);
            m.matVec(x, xOff, y, yOff, range[0], range[1]);
            for (int i = 0; i < y.length; i++) {
                int r = i - yOff;
                if (r >= range[0] && r < range[1]) {
                    assertClose(w[r], mag[r], x, xOff, y[i], f + " matVec row " + r);
                } else {
                    assertTrue(Float.isNaN(y[i]), "matVec wrote y[" + i + "] outside rows " + range[0] + ".." + range[1]);
                }
            }
        }

        // matMul(): few-row path and panel path, with strides
        for (int n : BATCH) {
            int xo = 3;
            int xStride = cols + 7;
            int yOff = 2;
            int yStride = rows + 3;
            float[] xs = TestMatrices.randomVector(rnd, xo + n * xStride);
            for (int[] range : ranges(rows)) {
                float[] y = nans(yOff + n * yStride);
                m.matMul(xs, xo, xStride, n, y, yOff, yStride, range[0], range[1]);
                for (int i = 0; i < y.length; i++) {
                    int t = (i - yOff) / yStride;
                    int r = (i - yOff) % yStride;
                    if (i >= yOff && r >= range[0] && r < range[1]) {
                        assertClose(w[r], mag[r], xs, xo + t * xStride, y[i], f + " matMul n=" + n + " t=" + t + " row " + r);
                    } else {
                        assertTrue(Float.isNaN(y[i]), "matMul n=" + n + " wrote y[" + i + "] outside its rows");
                    }
                }
            }
        }
    }

    private static void assertClose(float[] w, double[] mag, float[] x, int xOff, float got, String what) {
        double want = 0;
        double scale = 0;
        for (int c = 0; c < w.length; c++) {
            want += (double) w[c] * x[xOff + c];
            scale += mag[c] * Math.abs(x[xOff + c]);
        }
        assertEquals(want, got, MatrixKernelsTest.tolerance(w.length, scale), what);
    }

    private static List<int[]> ranges(int rows) {
        List<int[]> out = new ArrayList<>();
        out.add(new int[] {0, rows});
        if (rows >= 3) {
            out.add(new int[] {1 + rows / 4, rows - 1});
        }
        return out;
    }

    private static float[] nans(int n) {
        float[] y = new float[n];
        Arrays.fill(y, Float.NaN);
        return y;
    }
}
