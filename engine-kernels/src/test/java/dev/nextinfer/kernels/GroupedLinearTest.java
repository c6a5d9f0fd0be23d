package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Grouped products equal the products done one by one with the scalar twin, for any thread count. */
class GroupedLinearTest {

    @Test
    void matchesScalarProducts() {
        Rand r = new Rand(5);
        int[][] shapes = {{7, 33}, {65, 16}, {1, 3}, {100, 40}, {33, 33}};
        int[] ns = {1, 3, 0, 2, 5};
        int count = shapes.length;
        Matrix[] ws = new Matrix[count];
        float[][] wv = new float[count][];
        float[][] xs = new float[count][];
        float[][] ys = new float[count][];
        for (int i = 0; i < count; i++) {
            wv[i] = r.normal(shapes[i][0] * shapes[i][1], 1);
            ws[i] = F32Matrix.of(wv[i], shapes[i][0], shapes[i][1]);
            xs[i] = r.normal(Math.max(1, ns[i]) * shapes[i][1], 1);
            ys[i] = new float[Math.max(1, ns[i]) * shapes[i][0]];
        }
        for (int threads : new int[] {1, 2, 3}) {
            try (ThreadPool pool = new ThreadPool(threads)) {
                GroupedLinear.forward(pool, count, ws, xs, ns, ys);
            }
            for (int i = 0; i < count; i++) {
                int rows = shapes[i][0];
                int cols = shapes[i][1];
                float[] expected = new float[Math.max(1, ns[i]) * rows];
                for (int t = 0; t < ns[i]; t++) {
                    for (int row = 0; row < rows; row++) {
                        expected[t * rows + row] = (float) ScalarReference.dot(wv[i], row * cols, xs[i], t * cols, cols);
                    }
                }
                assertClose("product " + i + " with " + threads + " threads", ys[i], expected, 1e-5);
            }
        }
    }

    /**
     * A decode step's chunks: whole row groups, at most {@link GroupedLinear#DECODE_CHUNK_BYTES} unless one group is
     * larger, and a multiple of the thread count in all (or at least 8 per thread), so equal chunks end together.
     */
    @Test
    void decodeChunksAreBalancedAndBounded() {
        Random rnd = new Random(3);
        for (MatrixFormat format : new MatrixFormat[] {MatrixFormat.Q4_0, MatrixFormat.Q8_0, MatrixFormat.Q6_K}) {
            int[][] shapes = {{512, 2048}, {2048, 512}, {96, 256}, {32, 256}, {4096, 256}};
            for (int[] shape : shapes) {
                try (Arena arena = Arena.ofConfined()) {
                    Matrix w = IntegerKernels.repack(TestMatrices.random(format, rnd, shape[0], shape[1], 0).matrix(), arena, null);
                    int align = Math.max(LanePanel.ROWS, w.rowGroup());
                    int groups = (w.rows() + align - 1) / align;
                    long groupBytes = w.byteSize() / groups;
                    for (int threads : new int[] {1, 2, 3, 16}) {
                        for (int count : new int[] {1, 10, 11, 22, 25}) {
                            String what = format + " " + shape[0] + "×" + shape[1] + ", " + count + " matrices, " + threads + " threads";
                            int rows = GroupedLinear.decodeRowsPerChunk(w, count, threads);
                            assertEquals(0, rows % align, what + ": whole row groups");
                            int chunks = (w.rows() + rows - 1) / rows;
                            assertTrue(rows == align || (long) rows / align * groupBytes <= GroupedLinear.DECODE_CHUNK_BYTES,
                                    what + ": " + rows + " rows per chunk is over the byte bound");
                            assertTrue(rows == align || (long) count * chunks % threads == 0 || (long) count * chunks >= 8L * threads,
                                    what + ": " + count * chunks + " chunks do not balance");
                        }
                    }
                }
            }
        }
    }

    /**
     * Decode-sized products (1, 2, 3 and 4 rows) of integer-kernel matrices in one grouped region give each matrix the
     * bits of its own product over all its rows, whatever the thread count (the decode chunks pair other groups).
     */
    @Test
    void decodeProductsOfIntegerMatricesKeepTheirBits() {
        Random rnd = new Random(9);
        int cols = 256;
        int[] rows = {512, 96, 2048, 64, 200};
        int[] ns = {1, 2, 0, 4, 3};
        try (Arena arena = Arena.ofShared()) { // the pool's threads read the matrices
            Matrix[] ws = new Matrix[rows.length];
            float[][] xs = new float[rows.length][];
            float[][] expected = new float[rows.length][];
            for (int i = 0; i < rows.length; i++) {
                ws[i] = IntegerKernels.repack(TestMatrices.random(MatrixFormat.Q4_0, rnd, rows[i], cols, 0).matrix(), arena, null);
                xs[i] = TestMatrices.randomVector(rnd, Math.max(1, ns[i]) * cols);
                expected[i] = new float[Math.max(1, ns[i]) * rows[i]];
                if (ns[i] > 0) {
                    MatMulMode.FASTEST.multiply(ws[i], xs[i], 0, cols, ns[i], expected[i], 0, rows[i], 0, rows[i]);
                }
            }
            for (int threads : new int[] {1, 2, 3}) {
                float[][] ys = new float[rows.length][];
                for (int i = 0; i < rows.length; i++) {
                    ys[i] = new float[expected[i].length];
                }
                try (ThreadPool pool = new ThreadPool(threads)) {
                    GroupedLinear.forward(pool, rows.length, ws, xs, ns, ys);
                }
                for (int i = 0; i < rows.length; i++) {
                    assertArrayEquals(expected[i], ys[i], "product " + i + " (" + ns[i] + " rows) with " + threads + " threads");
                }
            }
        }
    }
}
