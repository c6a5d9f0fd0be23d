package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Random;

/** The checks every integer kernel's layout ({@link RowLaneMatrix}) passes, given its format's repack and scalar twin. */
final class R32Checks {
    /** The format's repack ({@code pool} null). */
    interface Repack {
        Matrix apply(Matrix source, Arena arena, ThreadPool pool);
    }

    /** The scalar twin: output {@code row} for activations {@code x[xOff ..]}, from the source's own bytes. */
    interface Twin {
        float dot(Matrix source, int row, float[] x, int xOff);
    }

    private R32Checks() {
    }

    /** Mat-vec and {@code dot} against the twin, bit for bit, on {@code shapes} ({rows, cols}) of random matrices. */
    static void matchesTwin(MatrixFormat format, int[][] shapes, Random rnd, Repack repack, Twin twin) {
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : shapes) {
                int rows = shape[0];
                int cols = shape[1];
                Matrix w = TestMatrices.random(format, rnd, rows, cols, 0).matrix();
                Matrix r = repack.apply(w, arena, null);
                float[] x = TestMatrices.randomVector(rnd, cols + 5);
                float[] y = new float[rows + 1];
                r.matVec(x, 5, y, 1, 0, rows);
                for (int row = 0; row < rows; row++) {
                    float expect = twin.dot(w, row, x, 5);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(y[1 + row]),
                            format + " " + rows + "×" + cols + " row " + row + ": " + expect + " vs " + y[1 + row]);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(r.dot(row, x, 5)), "dot, row " + row);
                }
            }
        }
    }

    /**
     * The few-row product (1 to 9 rows) gives each row the mat-vec's bits, {@code row} gives the source's values bit for bit, the
     * products are close to the exact ones, and a matrix of another format is refused.
     */
    static void productFormsAgree(MatrixFormat format, int cols, Random rnd, Repack repack,
                                  java.util.function.Predicate<Matrix> canRepack) {
        int rows = 70;
        try (Arena arena = Arena.ofConfined()) {
            Matrix w = TestMatrices.random(format, rnd, rows, cols, 0).matrix();
            Matrix r = repack.apply(w, arena, null);
            assertEquals(format, r.format());
            // matMul sends up to integerRows() rows through the integer kernel, more through the f32 prefill product
            int limit = ((RowLaneMatrix) r).integerRows();
            int n = Math.max(9, limit + 1);
            float[] x = TestMatrices.randomVector(rnd, n * cols);
            float[] whole = new float[n * rows];
            for (int t = 0; t < n; t++) {
                r.matVec(x, t * cols, whole, t * rows, 0, rows);
            }
            // 1 to 9 activation rows (fours through the four-row kernel, then a pair through the two-row kernel, an odd
            // one alone), over all rows and over a range that cuts groups
            for (int rowsIn = 1; rowsIn <= 9; rowsIn++) {
                for (int[] range : new int[][] {{0, rows}, {3, 67}}) {
                    float[] few = new float[n * rows];
                    r.matVecRows(x, 0, cols, rowsIn, few, 0, rows, range[0], range[1]);
                    for (int t = 0; t < rowsIn; t++) {
                        for (int i = range[0]; i < range[1]; i++) {
                            assertEquals(Float.floatToRawIntBits(whole[t * rows + i]), Float.floatToRawIntBits(few[t * rows + i]),
                                    format + ": " + rowsIn + " rows, row " + t + ", output " + i);
                        }
                    }
                }
            }
            float[] viaMatMul = new float[n * rows];
            r.matMul(x, 0, cols, limit, viaMatMul, 0, rows, 3, 67);
            for (int t = 0; t < limit; t++) {
                for (int i = 3; i < 67; i++) {
                    assertEquals(Float.floatToRawIntBits(whole[t * rows + i]), Float.floatToRawIntBits(viaMatMul[t * rows + i]),
                            format + ": matMul of " + limit + " rows (the integer kernel's limit), row " + t + ", output " + i);
                }
            }
            float[] prefill = new float[n * rows];
            r.matMul(x, 0, cols, limit + 1, prefill, 0, rows, 0, rows);
            assertFalse(Arrays.equals(whole, 0, (limit + 1) * rows, prefill, 0, (limit + 1) * rows),
                    format + ": matMul of " + (limit + 1) + " rows should be the f32 prefill product, not the integer kernel's bits");
            float[] a = new float[cols];
            float[] b = new float[cols];
            double err = 0;
            double norm = 0;
            for (int row = 0; row < rows; row++) {
                w.row(row, a, 0);
                r.row(row, b, 0);
                assertEquals(Arrays.toString(a), Arrays.toString(b), "row " + row);
                double exact = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) a[c] * x[c];
                }
                err += (whole[row] - exact) * (whole[row] - exact);
                norm += exact * exact;
            }
            assertTrue(Math.sqrt(err / norm) < 2e-2, format + ": relative error " + Math.sqrt(err / norm));
            Matrix other = format == MatrixFormat.Q4_0 ? TestMatrices.random(MatrixFormat.Q8_0, rnd, 4, 256, 0).matrix()
                    : Q4_0Matrix.of(TestMatrices.randomVector(rnd, 4 * 256), 4, 256);
            assertFalse(canRepack.test(other));
            assertThrows(IllegalArgumentException.class, () -> repack.apply(other, arena, null));
        }
    }

    /**
     * A one-row product computes its whole groups two at a time, half the range apart, where the layout pairs them
     * ({@link RowLaneMatrix#groups}), a lone or cut group alone: every output must be the bits of its group computed
     * alone ({@code dot}), for ranges with even and odd counts of whole groups, cut at either end or inside one group,
     * and for the rows of two-, three- and four-row products (groups paired where the layout pairs them for those,
     * {@link RowLaneMatrix#groups2}, {@link RowLaneMatrix#groups4}) and of a five-row product (four through the
     * four-row kernel, the fifth alone).
     */
    static void pairedGroupsAgree(MatrixFormat format, int cols, Random rnd, Repack repack) {
        int rows = 7 * RowLaneMatrix.R + 5;
        try (Arena arena = Arena.ofConfined()) {
            Matrix w = TestMatrices.random(format, rnd, rows, cols, 0).matrix();
            Matrix r = repack.apply(w, arena, null);
            float[] x = TestMatrices.randomVector(rnd, 5 * cols);
            float[][] alone = new float[5][rows];
            for (int t = 0; t < 5; t++) {
                for (int row = 0; row < rows; row++) {
                    alone[t][row] = r.dot(row, x, t * cols);
                }
            }
            int[][] ranges = {{0, rows}, {3, rows}, {0, 224}, {32, 224}, {32, 192}, {40, 200}, {33, 62}, {64, 96}, {5, 20}, {224, rows}};
            for (int[] range : ranges) {
                float[] y = new float[rows];
                r.matVec(x, 0, y, 0, range[0], range[1]);
                float[] five = new float[5 * rows];
                r.matVecRows(x, 0, cols, 5, five, 0, rows, range[0], range[1]);
                float[] two = new float[2 * rows];
                r.matVecRows(x, 0, cols, 2, two, 0, rows, range[0], range[1]);
                float[] three = new float[3 * rows];
                r.matVecRows(x, 0, cols, 3, three, 0, rows, range[0], range[1]);
                float[] four = new float[4 * rows];
                r.matVecRows(x, 0, cols, 4, four, 0, rows, range[0], range[1]);
                for (int row = 0; row < rows; row++) {
                    boolean in = row >= range[0] && row < range[1];
                    assertEquals(Float.floatToRawIntBits(in ? alone[0][row] : 0f), Float.floatToRawIntBits(y[row]),
                            format + " rows [" + range[0] + ", " + range[1] + "), output " + row);
                    for (int t = 0; t < 2; t++) {
                        assertEquals(Float.floatToRawIntBits(in ? alone[t][row] : 0f), Float.floatToRawIntBits(two[t * rows + row]),
                                format + " two rows, row " + t + ", rows [" + range[0] + ", " + range[1] + "), output " + row);
                    }
                    for (int t = 0; t < 3; t++) {
                        assertEquals(Float.floatToRawIntBits(in ? alone[t][row] : 0f), Float.floatToRawIntBits(three[t * rows + row]),
                                format + " three rows, row " + t + ", rows [" + range[0] + ", " + range[1] + "), output " + row);
                    }
                    for (int t = 0; t < 4; t++) {
                        assertEquals(Float.floatToRawIntBits(in ? alone[t][row] : 0f), Float.floatToRawIntBits(four[t * rows + row]),
                                format + " four rows, row " + t + ", rows [" + range[0] + ", " + range[1] + "), output " + row);
                    }
                    for (int t = 0; t < 5; t++) {
                        assertEquals(Float.floatToRawIntBits(in ? alone[t][row] : 0f), Float.floatToRawIntBits(five[t * rows + row]),
                                format + " five rows, row " + t + ", rows [" + range[0] + ", " + range[1] + "), output " + row);
                    }
                }
            }
        }
    }
}
