package dev.nextinfer.kernels;

/**
 * How a product over several activation rows is computed ({@link Linear}, {@link GroupedLinear}). One row is always
 * a mat-vec ({@link Matrix#matVec}).
 */
public enum MatMulMode {
    /**
     * The fastest kernel for the row count ({@link Matrix#matMul}): an f32 panel mat-mat above a few rows (prefill),
     * whose rounding differs from a mat-vec's, so a row's result may depend on how many rows the call has.
     */
    FASTEST,
    /**
     * Every row exactly as its mat-vec computes it, whatever the row count ({@link Matrix#matVecRows}, the few-row
     * kernel): a row batched with others (batched decoding, speculative verification) gives the bits it gives alone.
     */
    ROW_EXACT;

    /** Rows {@code [r0, r1)} of {@code W·x} for {@code n} activation rows, single-threaded. */
    void multiply(Matrix w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n == 1) {
            w.matVec(x, xOff, y, yOff, r0, r1);
        } else if (this == ROW_EXACT) {
            w.matVecRows(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else {
            w.matMul(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }
}
