package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every format's {@code dot}, {@code row}, {@code matVec} and {@code matMul} against {@link ScalarMatrixOps} on odd
 * shapes, unaligned segments (2 bytes into an array, and exactly as long as the matrix, so a kernel that reads past
 * the last block fails), row ranges not starting at 0, and activation/output offsets and strides; outputs outside the
 * requested range must stay untouched. Formats without an encoder are filled with random blocks.
 */
class MatrixKernelsTest {
    private static final int[] ROWS = {1, 7, 33, 65};
    private static final int[] BLOCK_COLS = {32, 64, 96, 2048 + 32};
    /** 1 and 2 super-blocks of 256 (KQuantFormatTest goes up to 9, on its faster twin). */
    private static final int[] SUPER_BLOCK_COLS = {256, 512};
    private static final int[] ODD_COLS = {1, 3, 17, 33, 67, 1000 + 3};
    /** Activation rows of matMul: the few-row path, the 4 × 4 panels, and (LANE_N + 13 = 12·6 + 4 + 1) every tile of the rows-in-lanes panels. */
    private static final int[] BATCH = {1, 2, 3, 5, 8, 13, PanelMatMul.LANE_N + 13};
    private static final int SHIFT = 2;

    @Test
    void speciesFitTheBlockFormats() {
        System.out.println("vector species: F = " + Simd.F + ", FB = " + Simd.FB + ", BL = " + Simd.BL);
        assertTrue(Simd.FB_LANES == 4 || Simd.FB_LANES == 8 || Simd.FB_LANES == 16, "FB lanes " + Simd.FB_LANES);
        assertTrue(Simd.BL.length() >= Simd.FB_LANES && Simd.BL.length() >= 8, "BL " + Simd.BL);
    }

    static Stream<Arguments> shapes() {
        List<Arguments> out = new ArrayList<>();
        for (MatrixFormat f : TestMatrices.FORMATS) {
            boolean blocks = f.blockValues() > 1;
            for (int rows : ROWS) {
                for (int cols : f.blockValues() == 256 ? SUPER_BLOCK_COLS : blocks ? BLOCK_COLS : ODD_COLS) {
                    out.add(Arguments.of(f, rows, cols));
                }
            }
        }
        return out.stream();
    }

    /** Rounding of an f32 dot product of {@code n} terms whose magnitudes sum to {@code abs}. */
    static double tolerance(int n, double abs) {
        return 2e-6 * Math.sqrt(n) * abs + 1e-30;
    }

    private static TestMatrices.Built build(MatrixFormat f, int rows, int cols) {
        Random rnd = new Random(31L * rows + cols + f.ordinal());
        return TestMatrices.random(f, rnd, rows, cols, SHIFT);
    }

    @ParameterizedTest(name = "{0} [{1}, {2}]")
    @MethodSource("shapes")
    void dotAndRowMatchScalarTwin(MatrixFormat f, int rows, int cols) {
        TestMatrices.Built b = build(f, rows, cols);
        Random rnd = new Random(7);
        int xOff = 5;
        float[] x = TestMatrices.randomVector(rnd, xOff + cols);
        float[] row = new float[cols + 3];
        for (int r = 0; r < rows; r++) {
            double want = ScalarMatrixOps.dot(f, b.segment(), rows, cols, r, x, xOff);
            double tol = tolerance(cols, ScalarMatrixOps.absDot(f, b.segment(), rows, cols, r, x, xOff));
            float got = b.matrix().dot(r, x, xOff);
            assertEquals(want, got, tol, f + " dot row " + r);

            double[] exact = ScalarMatrixOps.row(f, b.segment(), rows, cols, r);
            row[0] = row[cols + 2] = Float.NaN;
            b.matrix().row(r, row, 1);
            for (int c = 0; c < cols; c++) {
                assertEquals((float) exact[c], row[1 + c], f + " row " + r + " col " + c);
            }
            assertTrue(Float.isNaN(row[0]) && Float.isNaN(row[cols + 2]), "row() wrote outside its range");
        }
    }

    @ParameterizedTest(name = "{0} [{1}, {2}]")
    @MethodSource("shapes")
    void matVecMatchesScalarTwin(MatrixFormat f, int rows, int cols) {
        TestMatrices.Built b = build(f, rows, cols);
        double[][] w = ScalarMatrixOps.rows(f, b.segment(), rows, cols);
        float[] x = TestMatrices.randomVector(new Random(11), 3 + cols);
        for (int[] range : ranges(rows)) {
            int yOff = 2;
            float[] y = nans(yOff + rows + 1);
            b.matrix().matVec(x, 3, y, yOff, range[0], range[1]);
            for (int r = 0; r < rows; r++) {
                boolean inside = r >= range[0] && r < range[1];
                if (inside) {
                    double want = ScalarMatrixOps.dot(w[r], x, 3);
                    double tol = tolerance(cols, ScalarMatrixOps.absDot(w[r], x, 3));
                    assertEquals(want, y[yOff + r], tol, f + " matVec row " + r);
                } else {
                    assertTrue(Float.isNaN(y[yOff + r]), "matVec wrote row " + r + " outside " + range[0] + ".." + range[1]);
                }
            }
            assertTrue(Float.isNaN(y[0]) && Float.isNaN(y[1]) && Float.isNaN(y[yOff + rows]), "matVec wrote outside y's slice");
        }
    }

    @ParameterizedTest(name = "{0} [{1}, {2}]")
    @MethodSource("shapes")
    void matMulMatchesScalarTwin(MatrixFormat f, int rows, int cols) {
        TestMatrices.Built b = build(f, rows, cols);
        double[][] w = ScalarMatrixOps.rows(f, b.segment(), rows, cols);
        Random rnd = new Random(13);
        for (int n : BATCH) {
            int xOff = 3;
            int xStride = cols + 5;
            int yOff = 2;
            int yStride = rows + 3;
            float[] x = TestMatrices.randomVector(rnd, xOff + n * xStride);
            for (int[] range : ranges(rows)) {
                float[] y = nans(yOff + n * yStride);
                b.matrix().matMul(x, xOff, xStride, n, y, yOff, yStride, range[0], range[1]);
                for (int t = 0; t < n; t++) {
                    for (int r = 0; r < rows; r++) {
                        float got = y[t * yStride + yOff + r];
                        if (r >= range[0] && r < range[1]) {
                            int xo = t * xStride + xOff;
                            double want = ScalarMatrixOps.dot(w[r], x, xo);
                            double tol = tolerance(cols, ScalarMatrixOps.absDot(w[r], x, xo));
                            assertEquals(want, got, tol, f + " matMul n=" + n + " t=" + t + " row " + r);
                        } else {
                            assertTrue(Float.isNaN(got), "matMul wrote row " + r + " outside " + range[0] + ".." + range[1]);
                        }
                    }
                }
                for (int i = 0; i < y.length; i++) {
                    int slot = (i - yOff) % yStride;
                    if (i < yOff || slot >= rows) {
                        assertTrue(Float.isNaN(y[i]), "matMul wrote y[" + i + "] outside the output rows");
                    }
                }
            }
        }
    }

    /** The full range and one that starts and ends inside (when the matrix has rows to spare). */
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
        java.util.Arrays.fill(y, Float.NaN);
        return y;
    }
}
