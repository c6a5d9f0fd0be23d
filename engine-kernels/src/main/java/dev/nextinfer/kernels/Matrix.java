package dev.nextinfer.kernels;

/**
 * A read-only row-major weight matrix {@code W[rows][cols]} in one storage format, with the kernels that
 * multiply it by activations. Model code says {@code W.matVec(x, y)}; each format ({@link MatrixFormat}) brings
 * its own SIMD inner loops.
 *
 * <p>Activations are always f32 {@code float[]}; accumulation is always in f32.
 */
public interface Matrix {

    /** Number of rows (outputs of {@code W·x}). */
    int rows();

    /** Number of columns (inputs of {@code W·x}). */
    int cols();

    /** The storage format of the elements. */
    MatrixFormat format();

    /** Bytes of weight data this matrix reads when all rows are multiplied once. */
    long byteSize();

    /**
     * Rows the kernels compute together (1, or a power of two such as 32 for a layout with rows in vector lanes):
     * callers that split rows across threads keep chunks multiples of it, or a cut group is computed twice.
     */
    default int rowGroup() {
        return 1;
    }

    /** {@code Σ_c W[row][c] · x[xOff + c]}. */
    float dot(int row, float[] x, int xOff);

    /** Writes row {@code row}, converted to f32, into {@code dst[off .. off + cols)}. */
    void row(int row, float[] dst, int off);

    /**
     * {@code y[yOff + r] = W[r]·x[xOff ..]} for rows {@code r ∈ [r0, r1)}; single-threaded, the caller splits
     * rows across threads. The default takes one row at a time: decode is memory-bound, and one sequential stream
     * of weights keeps the hardware prefetchers ahead better than interleaving rows (measured on Zen 4: 4 rows per
     * pass, which loads each activation vector once for 4 rows, streamed 18% (f32) to 38% (q8_0) slower from DRAM).
     */
    default void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            y[yOff + r] = dot(r, x, xOff);
        }
    }

    /**
     * Batched product over {@code n} activation rows: {@code y[t·yStride + yOff + r] = W[r]·x[t·xStride + xOff ..]}
     * for {@code t ∈ [0, n)}, {@code r ∈ [r0, r1)}. Single-threaded. For throughput (prefill): the formats of this
     * package run a register-tiled f32 panel kernel above a few rows, whose rounding differs from {@link #dot}'s; use
     * {@link #matVecRows} where each row must equal its mat-vec. The default is {@link #matVecRows}.
     */
    default void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        matVecRows(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
    }

    /**
     * The few-row kernel: {@code n} mat-vecs at once, {@code y[t·yStride + yOff + r] = dot(r, x[t·xStride + xOff ..])}
     * for {@code t ∈ [0, n)}, {@code r ∈ [r0, r1)}, each result <b>bit-identical</b> to {@link #dot} (and so to
     * {@link #matVec}) whatever {@code n} is: batched decoding and speculative verification rely on a row computed
     * with others being exactly the row computed alone. Single-threaded. Formats that widen their weights (block
     * formats, bf16, f16) widen each weight row once for all {@code n} activation rows and then run, per activation
     * row, the same operations as {@code dot} on the widened values. The default runs {@code dot} once per activation
     * row while the weight row is in L1.
     */
    default void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < n; t++) {
                y[t * yStride + yOff + r] = dot(r, x, t * xStride + xOff);
            }
        }
    }
}
