package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

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
}
