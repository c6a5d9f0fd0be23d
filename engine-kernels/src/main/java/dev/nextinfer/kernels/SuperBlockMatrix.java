package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;

import java.lang.foreign.MemorySegment;

/**
 * What the matrices of ggml's 256-value super-block formats share: a row is {@code cols / 256} blocks of
 * {@link #blockBytes} bytes at byte {@code row · rowBytes}, in place in a segment (e.g. a mapped GGUF tensor, or
 * one expert's rows of it; no alignment needed); and the mat-vec and few-row mat-mat drivers around a format's
 * fused row kernel.
 *
 * <p>A format may precompute something from each activation row once for all weight rows ({@link #prepare}; the
 * formats with block minimums take the activations' sums over each block): a mat-vec prepares once per call, a
 * few-row mat-mat once per activation row.
 */
abstract class SuperBlockMatrix implements Matrix {
    final MemorySegment data;
    final int rows;
    final int cols;
    /** Super-blocks per row. */
    final int nb;
    /** Bytes per row. */
    final long rowBytes;

    SuperBlockMatrix(MemorySegment data, int rows, int cols) {
        KBlocks.check(format().name(), data, rows, cols, format().blockBytes());
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.nb = cols / QK_K;
        this.rowBytes = (long) nb * format().blockBytes();
    }

    /** Per-activation-row data for {@link #dot(int, float[], int, float[])}, or {@code null} if none is needed. */
    abstract float[] prepare(float[] x, int xOff);

    /** Row {@code row}·x, given {@link #prepare}'s result for x. */
    abstract float dot(int row, float[] x, int xOff, float[] prepared);

    /** The underlying segment. */
    public final MemorySegment segment() {
        return data;
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    @Override
    public final long byteSize() {
        return rows * rowBytes;
    }

    @Override
    public final float dot(int row, float[] x, int xOff) {
        return dot(row, x, xOff, prepare(x, xOff));
    }

    /** Prepares the activations once, then one row at a time (one sequential weight stream, see {@link Matrix}). */
    @Override
    public final void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        float[] p = prepare(x, xOff);
        for (int r = r0; r < r1; r++) {
            y[yOff + r] = dot(r, x, xOff, p);
        }
    }

    @Override
    public final void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
            return;
        }
        // A few rows (speculative verification): the mat-vec kernel once per activation row while the weight row
        // is in L1, instead of dequantising it into a panel that so few rows cannot amortise
        float[][] p = new float[n][];
        for (int t = 0; t < n; t++) {
            p[t] = prepare(x, xOff + t * xStride);
        }
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < n; t++) {
                y[yOff + t * yStride + r] = dot(r, x, xOff + t * xStride, p[t]);
            }
        }
    }
}
