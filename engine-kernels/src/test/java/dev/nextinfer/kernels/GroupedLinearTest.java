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
     * Decode-sized products (1, 2, 3 and 4 rows) of integer-kernel matrices in one grouped region give each matrix the
     * bits of its own product over all its rows, whatever the thread count and piece size (guided pieces cross from
     * one matrix into the next, skip products with no rows, and pair other groups than one whole product would).
     */
    @Test
    void decodeProductsOfIntegerMatricesKeepTheirBits() {
        Random rnd = new Random(9);
        int cols = 256;
        int[] rows = {64, 512, 96, 2048, 64, 200, 32};
        int[] ns = {0, 1, 2, 0, 4, 3, 0};
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
                for (int minPieceBytes : new int[] {1, 5000, GroupedLinear.DECODE_MIN_PIECE_BYTES}) {
                    float[][] ys = new float[rows.length][];
                    for (int i = 0; i < rows.length; i++) {
                        ys[i] = new float[expected[i].length];
                    }
                    try (ThreadPool pool = new ThreadPool(threads)) {
                        for (int repeat = 0; repeat < 20; repeat++) { // pieces fall differently between the threads
                            for (int i = 0; i < rows.length; i++) { // a row no piece wrote stays NaN
                                java.util.Arrays.fill(ys[i], ns[i] > 0 ? Float.NaN : 0f);
                            }
                            GroupedLinear.decode(pool, MatMulMode.FASTEST, rows.length, ws, xs, new int[rows.length], ns, ys,
                                    new int[rows.length], minPieceBytes);
                            for (int i = 0; i < rows.length; i++) {
                                assertArrayEquals(expected[i], ys[i], "product " + i + " (" + ns[i] + " rows) with "
                                        + threads + " threads, pieces of " + minPieceBytes + "+ bytes");
                            }
                        }
                        GroupedLinear.forward(pool, rows.length, ws, xs, ns, ys);
                    }
                    for (int i = 0; i < rows.length; i++) {
                        assertArrayEquals(expected[i], ys[i], "forward: product " + i + " with " + threads + " threads");
                    }
                }
            }
        }
    }
    /**
     * Products whose rows sit at offsets in shared arrays (a MoE layer's experts, each over its own tokens) give the
     * bits of the same products in arrays of their own, at decode sizes and prefill sizes, and write nothing outside
     * their rows.
     */
    @Test
    void productsAtOffsetsInSharedArraysKeepTheirBits() {
        Random rnd = new Random(11);
        int cols = 64;
        int[] rows = {48, 96, 32};
        for (int[] ns : new int[][] {{1, 0, 3}, {2, 4, 1}, {7, 0, 20}, {5, 9, 33}}) {
            Matrix[] ws = new Matrix[rows.length];
            float[][] own = new float[rows.length][];
            float[][] expected = new float[rows.length][];
            int[] xOffs = new int[rows.length];
            int[] yOffs = new int[rows.length];
            int xTotal = 3; // a gap before the first product's rows
            int yTotal = 5;
            for (int i = 0; i < rows.length; i++) {
                float[] wv = TestMatrices.randomVector(rnd, rows[i] * cols);
                ws[i] = F32Matrix.of(wv, rows[i], cols);
                own[i] = TestMatrices.randomVector(rnd, Math.max(1, ns[i]) * cols);
                expected[i] = new float[Math.max(1, ns[i]) * rows[i]];
                xOffs[i] = xTotal;
                yOffs[i] = yTotal;
                xTotal += ns[i] * cols + 1;
                yTotal += ns[i] * rows[i] + 2;
            }
            float[] x = new float[xTotal];
            float[] y = new float[yTotal];
            java.util.Arrays.fill(y, -7f);
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(own[i], 0, x, xOffs[i], ns[i] * cols);
            }
            try (ThreadPool pool = new ThreadPool(2)) {
                GroupedLinear.forward(pool, MatMulMode.FASTEST, rows.length, ws, own, ns, expected);
                GroupedLinear.forward(pool, MatMulMode.FASTEST, rows.length, ws, new float[][] {x, x, x}, xOffs, ns,
                        new float[][] {y, y, y}, yOffs);
            }
            float[] outside = y.clone();
            for (int i = 0; i < rows.length; i++) {
                float[] got = java.util.Arrays.copyOfRange(y, yOffs[i], yOffs[i] + ns[i] * rows[i]);
                assertArrayEquals(java.util.Arrays.copyOf(expected[i], ns[i] * rows[i]), got,
                        "product " + i + " of " + java.util.Arrays.toString(ns));
                java.util.Arrays.fill(outside, yOffs[i], yOffs[i] + ns[i] * rows[i], -7f);
            }
            for (float v : outside) {
                assertEquals(-7f, v, "a product wrote outside its rows");
            }
        }
    }
}
