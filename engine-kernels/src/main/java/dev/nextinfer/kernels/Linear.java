package dev.nextinfer.kernels;

/** {@code y = x·Wᵀ} for a batch of activation rows, with the weight rows split across the pool's threads. */
public final class Linear {
    private Linear() {
    }

    /** {@code y[t][r] = W[r]·x[t]} for {@code t < n}; x is {@code [n][cols]}, y is {@code [n][rows]}, both dense. */
    public static void forward(ThreadPool pool, Matrix w, float[] x, int n, float[] y) {
        forward(pool, w, x, 0, w.cols(), n, y, 0, w.rows());
    }

    /** As {@link #forward(ThreadPool, Matrix, float[], int, float[])} with explicit offsets and row strides. */
    public static void forward(ThreadPool pool, Matrix w, float[] x, int xOff, int xStride, int n,
                               float[] y, int yOff, int yStride) {
        int rows = w.rows();
        // ~8 chunks per thread balance the load; multiples of 4 rows keep mat-mat panels (PanelMatMul.R) whole
        int grain = (Math.max(8, rows / (pool.threads() * 8)) + 3) & ~3;
        if (n == 1) {
            pool.parallelFor(rows, grain, (r0, r1) -> w.matVec(x, xOff, y, yOff, r0, r1));
        } else {
            pool.parallelFor(rows, grain, (r0, r1) -> w.matMul(x, xOff, xStride, n, y, yOff, yStride, r0, r1));
        }
    }
}
