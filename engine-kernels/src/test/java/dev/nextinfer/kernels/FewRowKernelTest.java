package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The few-row kernel ({@link Matrix#matVecRows}, {@link MatMulMode#ROW_EXACT}) of every format: each of its
 * 2 … 16 activation rows gives <b>the bits</b> of that row's own mat-vec (what batched decoding promises), and is
 * within f32 rounding of the scalar twin ({@link ScalarMatrixOps}); on the odd shapes of {@link MatrixKernelsTest},
 * with offsets, strides, row ranges not starting at 0, and nothing written outside the requested outputs. Run at
 * the machine's vector width and at 128 and 256 bits by the build.
 */
class FewRowKernelTest {
    private static final int[] ROW_COUNTS = {2, 3, 5, 6, 8, 13, 16};

    @ParameterizedTest(name = "{0} [{1}, {2}]")
    @MethodSource("dev.nextinfer.kernels.MatrixKernelsTest#shapes")
    void everyRowEqualsItsMatVecBitForBit(MatrixFormat f, int rows, int cols) {
        Random rnd = new Random(17L * rows + cols + f.ordinal());
        TestMatrices.Built b = TestMatrices.random(f, rnd, rows, cols, 2);
        Matrix w = b.matrix();
        double[][] exact = ScalarMatrixOps.rows(f, b.segment(), rows, cols);
        for (int n : ROW_COUNTS) {
            int xOff = 3;
            int xStride = cols + 5;
            int yOff = 2;
            int yStride = rows + 3;
            float[] x = TestMatrices.randomVector(rnd, xOff + n * xStride);
            int[][] ranges = rows >= 3 ? new int[][] {{0, rows}, {1 + rows / 4, rows - 1}} : new int[][] {{0, rows}};
            for (int[] range : ranges) {
                float[] y = nans(yOff + n * yStride);
                w.matVecRows(x, xOff, xStride, n, y, yOff, yStride, range[0], range[1]);
                for (int t = 0; t < n; t++) {
                    int xo = xOff + t * xStride;
                    float[] alone = nans(rows);
                    w.matVec(x, xo, alone, 0, range[0], range[1]);
                    for (int r = 0; r < rows; r++) {
                        float got = y[yOff + t * yStride + r];
                        if (r < range[0] || r >= range[1]) {
                            assertTrue(Float.isNaN(got), "wrote row " + r + " outside " + range[0] + ".." + range[1]);
                            continue;
                        }
                        if (Float.floatToRawIntBits(alone[r]) != Float.floatToRawIntBits(got)) {
                            throw new AssertionError(f + " n=" + n + " t=" + t + " row " + r + ": " + got + " batched vs "
                                    + alone[r] + " alone");
                        }
                        double want = ScalarMatrixOps.dot(exact[r], x, xo);
                        double tol = MatrixKernelsTest.tolerance(cols, ScalarMatrixOps.absDot(exact[r], x, xo));
                        if (Math.abs(want - got) > tol) {
                            assertEquals(want, got, tol, f + " vs scalar twin, n=" + n + " t=" + t + " row " + r);
                        }
                    }
                }
                for (int i = 0; i < y.length; i++) {
                    if (i < yOff || (i - yOff) % yStride >= rows) {
                        assertTrue(Float.isNaN(y[i]), "wrote y[" + i + "] outside the output rows");
                    }
                }
            }
        }
    }

    /**
     * The super-block formats' widened kernel on random block bytes (every bit pattern of quants and packed scales,
     * either sign of the f16 scales: {@link KQuantFormatTest#randomBlocks}), for every n from 1 to 16 (tiles of four
     * and the single rows after them), 1 to 3 super-blocks per row, odd row counts and sub-ranges: each result the
     * bits of {@code dot} for that row alone, and within f32 rounding of the scalar twin ({@link ScalarKQuants}).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.nextinfer.kernels.KQuantFormatTest#formatList")
    void superBlockRowsEqualTheirDotForEveryN(MatrixFormat f) {
        for (int[] shape : new int[][] {{1, 1}, {7, 3}, {5, 2}}) {
            int rows = shape[0];
            int cols = 256 * shape[1];
            Random rnd = new Random(41L * rows + cols + f.ordinal());
            TestMatrices.Built b = KQuantFormatTest.randomBlocks(f, rows, cols, rnd, 1);
            Matrix w = b.matrix();
            double[][] exact = new double[rows][cols];
            double[][] mag = new double[rows][cols];
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    exact[r][c] = ScalarKQuants.element(f, b.segment(), cols, r, c);
                    mag[r][c] = ScalarKQuants.magnitude(f, b.segment(), cols, r, c);
                }
            }
            for (int n = 1; n <= 16; n++) {
                int xOff = 1;
                int xStride = cols + 3;
                int yStride = rows + 1;
                float[] x = TestMatrices.randomVector(rnd, xOff + n * xStride);
                int[][] ranges = rows >= 3 ? new int[][] {{0, rows}, {1, rows - 1}} : new int[][] {{0, rows}};
                for (int[] range : ranges) {
                    float[] y = nans(n * yStride);
                    w.matVecRows(x, xOff, xStride, n, y, 0, yStride, range[0], range[1]);
                    for (int t = 0; t < n; t++) {
                        int xo = xOff + t * xStride;
                        for (int r = 0; r <= rows; r++) { // row `rows`: the gap before the next output row
                            float got = y[t * yStride + r];
                            if (r < range[0] || r >= range[1]) {
                                assertTrue(Float.isNaN(got), "wrote row " + r + " outside " + range[0] + ".." + range[1]);
                                continue;
                            }
                            float alone = w.dot(r, x, xo);
                            if (Float.floatToRawIntBits(alone) != Float.floatToRawIntBits(got)) {
                                throw new AssertionError(f + " [" + rows + ", " + cols + "] n=" + n + " t=" + t + " row " + r
                                        + ": " + got + " batched vs " + alone + " alone");
                            }
                            double want = 0;
                            double abs = 0;
                            for (int c = 0; c < cols; c++) {
                                want += exact[r][c] * x[xo + c];
                                abs += mag[r][c] * Math.abs(x[xo + c]);
                            }
                            assertEquals(want, got, MatrixKernelsTest.tolerance(cols, abs), f + " vs scalar twin, n=" + n);
                        }
                    }
                }
            }
        }
    }

    /** {@link Linear} and {@link GroupedLinear} in ROW_EXACT mode: above the panel threshold too, any thread count. */
    @ParameterizedTest
    @MethodSource("dev.nextinfer.kernels.TestMatrices#formats")
    void rowExactProductsEqualMatVecsForAnyThreadCount(MatrixFormat f) {
        int rows = 301;
        int cols = f.blockValues() == 256 ? 512 : 96;
        Random rnd = new Random(23);
        Matrix w = TestMatrices.random(f, rnd, rows, cols, 0).matrix();
        Matrix w2 = TestMatrices.random(f, rnd, 37, cols, 0).matrix();
        for (int n : new int[] {1, 2, 7, 16}) {
            float[] x = TestMatrices.randomVector(rnd, n * cols);
            float[] want = new float[n * rows];
            float[] want2 = new float[n * 37];
            for (int t = 0; t < n; t++) {
                w.matVec(x, t * cols, want, t * rows, 0, rows);
                w2.matVec(x, t * cols, want2, t * 37, 0, 37);
            }
            for (int threads : new int[] {1, 2, 3}) {
                try (ThreadPool pool = new ThreadPool(threads)) {
                    float[] y = new float[n * rows];
                    Linear.forward(pool, MatMulMode.ROW_EXACT, w, x, n, y);
                    assertBits(want, y, f + " Linear n=" + n + " threads=" + threads);
                    float[][] ys = {new float[n * rows], new float[n * 37]};
                    GroupedLinear.forward(pool, MatMulMode.ROW_EXACT, 2, new Matrix[] {w, w2}, new float[][] {x, x},
                            new int[] {n, n}, ys);
                    assertBits(want, ys[0], f + " GroupedLinear 0 n=" + n + " threads=" + threads);
                    assertBits(want2, ys[1], f + " GroupedLinear 1 n=" + n + " threads=" + threads);
                }
            }
        }
    }

    /** {@link StackedRows} forwards the few-row kernel run by run to its parts. */
    @Test
    void stackedRowsForwardToTheirParts() {
        Random rnd = new Random(29);
        int cols = 64;
        Matrix a = TestMatrices.random(MatrixFormat.Q8_0, rnd, 10, cols, 0).matrix();
        Matrix c = TestMatrices.random(MatrixFormat.Q4_0, rnd, 6, cols, 0).matrix();
        // rows: a[2..7), c[0..6), a[7..10)
        StackedRows s = new StackedRows(new Matrix[] {a, c}, new int[] {0, 1, 0}, new int[] {2, 0, 7}, new int[] {5, 6, 3});
        int n = 4;
        float[] x = TestMatrices.randomVector(rnd, n * cols);
        float[] y = nans(n * s.rows());
        s.matVecRows(x, 0, cols, n, y, 0, s.rows(), 1, 13);
        for (int t = 0; t < n; t++) {
            for (int r = 0; r < s.rows(); r++) {
                float got = y[t * s.rows() + r];
                if (r < 1 || r >= 13) {
                    assertTrue(Float.isNaN(got), "wrote row " + r);
                    continue;
                }
                Matrix part = r < 5 ? a : r < 11 ? c : a;
                int pr = r < 5 ? 2 + r : r < 11 ? r - 5 : 7 + r - 11;
                assertEquals(Float.floatToRawIntBits(part.dot(pr, x, t * cols)), Float.floatToRawIntBits(got), "row " + r + " t=" + t);
            }
        }
    }

    private static void assertBits(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ": element " + i + " is " + got[i] + ", its mat-vec gives " + want[i]);
            }
        }
    }

    private static float[] nans(int n) {
        float[] y = new float[n];
        Arrays.fill(y, Float.NaN);
        return y;
    }
}
