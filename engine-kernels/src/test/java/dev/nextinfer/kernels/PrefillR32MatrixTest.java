package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The prefill product of the integer kernels' layouts ({@link RowLaneMatrix#prefill}, which {@link RowLaneMatrix#matMul}
 * runs above {@link RowLaneMatrix#integerRows} rows), against its scalar twin bit for bit: exact f32 on the source matrix's values, {@code y = fma(w[c], x[c], y)}
 * column after column; on odd shapes, cut row ranges and token counts that are not multiples of the 12- and 4-row tiles, at
 * every vector width the build tests.
 */
class PrefillR32MatrixTest {
    private static void check(Matrix source, Matrix repacked, Random rnd) {
        int rows = source.rows();
        int cols = source.cols();
        float[] value = new float[cols];
        RowLaneMatrix r = (RowLaneMatrix) repacked;
        int limit = r.integerRows(); // up to it, matMul runs the integer kernel
        for (int n : new int[] {limit + 1, limit + 2, limit + 7, 29}) { // 29 = 12 + 12 + 4 + 1: every tile
            int xs = cols + 3;
            float[] x = TestMatrices.randomVector(rnd, n * xs);
            for (int[] range : new int[][] {{0, rows}, {3, rows - 2}, {rows / 2, rows / 2 + 1}}) {
                float[] y = new float[n * (rows + 1)];
                r.prefill(x, 0, xs, n, y, 1, rows + 1, range[0], range[1]);
                for (int i = 0; i < rows; i++) {
                    source.row(i, value, 0);
                    for (int t = 0; t < n; t++) {
                        float expect = 0f;
                        if (i >= range[0] && i < range[1]) {
                            for (int c = 0; c < cols; c++) {
                                expect = Math.fma(value[c], x[t * xs + c], expect);
                            }
                        }
                        float got = y[1 + t * (rows + 1) + i];
                        assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(got),
                                source.format() + " " + rows + "×" + cols + " n=" + n + " range " + range[0] + ".." + range[1]
                                        + " row " + i + " token " + t + ": " + expect + " vs " + got);
                    }
                }
            }
        }
    }

    @Test
    void q4_0() {
        Random rnd = new Random(31);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 96}, {64, 160}}) {
                Q4_0Matrix w = Q4_0Matrix.of(TestMatrices.randomVector(rnd, shape[0] * shape[1]), shape[0], shape[1]);
                check(w, Q4_0R32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void q8_0() {
        Random rnd = new Random(43);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 96}, {64, 160}}) {
                Matrix w = TestMatrices.random(MatrixFormat.Q8_0, rnd, shape[0], shape[1], 0).matrix();
                check(w, Q8_0R32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void q4_K() {
        Random rnd = new Random(37);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 256}, {33, 512}}) {
                Matrix w = TestMatrices.random(MatrixFormat.Q4_K, rnd, shape[0], shape[1], 0).matrix();
                check(w, Q4_KR32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void q2_K() {
        Random rnd = new Random(67);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 256}, {33, 512}}) {
                Matrix w = TestMatrices.random(MatrixFormat.Q2_K, rnd, shape[0], shape[1], 0).matrix();
                check(w, Q2_KR32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void q3_K() {
        Random rnd = new Random(71);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 256}, {33, 512}}) {
                Matrix w = TestMatrices.random(MatrixFormat.Q3_K, rnd, shape[0], shape[1], 0).matrix();
                check(w, Q3_KR32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void iq4_XS() {
        Random rnd = new Random(83);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 256}, {33, 512}}) {
                Matrix w = TestMatrices.random(MatrixFormat.IQ4_XS, rnd, shape[0], shape[1], 0).matrix();
                check(w, IQ4_XSR32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void q5_K() {
        Random rnd = new Random(43);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 256}, {33, 512}}) {
                Matrix w = TestMatrices.random(MatrixFormat.Q5_K, rnd, shape[0], shape[1], 0).matrix();
                check(w, Q5_KR32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void q6_K() {
        Random rnd = new Random(41);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{37, 256}, {33, 512}}) {
                Matrix w = TestMatrices.random(MatrixFormat.Q6_K, rnd, shape[0], shape[1], 0).matrix();
                check(w, Q6_KR32Matrix.LAYOUT.repack(w, arena, null), rnd);
            }
        }
    }

    @Test
    void iq4_NLAndQ5_0() {
        Random rnd = new Random(127);
        try (Arena arena = Arena.ofConfined()) {
            for (RowLaneMatrix.Layout<?> layout : java.util.List.of(IQ4_NLR32Matrix.LAYOUT, Q5_0R32Matrix.LAYOUT)) {
                for (int[] shape : new int[][] {{37, 96}, {64, 160}}) {
                    Matrix w = TestMatrices.random(layout.format(), rnd, shape[0], shape[1], 0).matrix();
                    check(w, layout.repack(w, arena, null), rnd);
                }
            }
        }
    }
}
