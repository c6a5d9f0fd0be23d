package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Linear#forward} splits rows over threads without changing a single bit of the result. */
class LinearTest {

    @ParameterizedTest
    @MethodSource("dev.nextinfer.kernels.TestMatrices#formats")
    void resultDoesNotDependOnThreadCount(MatrixFormat f) {
        int rows = 301; // several chunks per thread, and not a multiple of the panel height
        int cols = f.blockValues() == 256 ? 256 : 96;
        Random rnd = new Random(3);
        Matrix w = TestMatrices.random(f, rnd, rows, cols, 0).matrix();
        for (int n : new int[] {1, 6, PanelMatMul.LANE_N + 13}) { // a mat-vec, the 4-row panels, the panels with rows in lanes
            float[] x = TestMatrices.randomVector(rnd, n * cols);
            float[] want = new float[n * rows];
            if (n == 1) {
                w.matVec(x, 0, want, 0, 0, rows);
            } else {
                w.matMul(x, 0, cols, n, want, 0, rows, 0, rows);
            }
            for (int threads : new int[] {1, 2, 3}) {
                try (ThreadPool pool = new ThreadPool(threads)) {
                    float[] y = new float[n * rows];
                    Linear.forward(pool, w, x, n, y);
                    assertArrayEquals(want, y, f + " n=" + n + " threads=" + threads);
                }
            }
        }
    }
}
