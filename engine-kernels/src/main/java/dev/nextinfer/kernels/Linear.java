package dev.nextinfer.kernels;

/** {@code y = x·Wᵀ} for a batch of activation rows, with the weight rows split across the pool's threads. */
public final class Linear {
    private Linear() {
    }

    /** {@code y[t][r] = W[r]·x[t]} for {@code t < n}; x is {@code [n][cols]}, y is {@code [n][rows]}, both dense. */
    public static void forward(ThreadPool pool, Matrix w, float[] x, int n, float[] y) {
        forward(pool, MatMulMode.FASTEST, w, x, n, y);
    }

    /** As {@link #forward(ThreadPool, Matrix, float[], int, float[])} with the kernel chosen by {@code mode}. */
    public static void forward(ThreadPool pool, MatMulMode mode, Matrix w, float[] x, int n, float[] y) {
        forward(pool, mode, w, x, 0, w.cols(), n, y, 0, w.rows());
    }

    /** As {@link #forward(ThreadPool, Matrix, float[], int, float[])} with explicit offsets and row strides. */
    public static void forward(ThreadPool pool, Matrix w, float[] x, int xOff, int xStride, int n,
                               float[] y, int yOff, int yStride) {
        forward(pool, MatMulMode.FASTEST, w, x, xOff, xStride, n, y, yOff, yStride);
    }

    /** The general form: explicit offsets and row strides, the kernel chosen by {@code mode}. */
    public static void forward(ThreadPool pool, MatMulMode mode, Matrix w, float[] x, int xOff, int xStride, int n,
                               float[] y, int yOff, int yStride) {
        int rows = w.rows();
        int align = Math.max(LanePanel.ROWS, w.rowGroup());
        if (n <= GroupedLinear.DECODE_ROWS) {
            // a decode step: row groups by guided scheduling, as GroupedLinear's decode products
            int units = (rows + align - 1) / align;
            int grain = GroupedLinear.unitsPerPiece(units, w.byteSize(), GroupedLinear.DECODE_MIN_PIECE_BYTES);
            pool.parallelForGuided(units, grain, (u0, u1) ->
                    mode.multiply(w, x, xOff, xStride, n, y, yOff, yStride, u0 * align, Math.min(rows, u1 * align)));
            return;
        }
        // ~8 chunks per thread balance the load; multiples of LanePanel.ROWS keep mat-mat panels whole (none computed
        // twice), and multiples of the matrix's row group keep its groups whole
        int grain = (Math.max(8, rows / (pool.threads() * 8)) + align - 1) / align * align;
        pool.parallelFor(rows, grain, (r0, r1) -> mode.multiply(w, x, xOff, xStride, n, y, yOff, yStride, r0, r1));
    }
}
