package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The frame of the 32-value block formats: ggml's row-major block layout (a row is {@code cols / 32} consecutive
 * blocks of {@link MatrixFormat#blockBytes()} bytes, rows follow each other without padding), the shape and size
 * checks, and the mat-mat driver. Subclasses bring {@code dot} and {@code row} for their block.
 *
 * <p>Mat-vec is {@link Matrix}'s default, one row at a time: each block carries its own scale, so there is nothing
 * to prepare per row (the former split layout converted a row's scales in a pass of their own).
 */
abstract class BlockMatrix implements Matrix {
    /** The blocks, starting with block 0 of row 0 (any alignment). */
    final MemorySegment data;
    final int rows;
    final int cols;
    /** Blocks per row. */
    final int nb;
    /** Bytes per row: {@code nb} blocks. */
    final long rowBytes;
    private final MatrixFormat format;

    BlockMatrix(MatrixFormat format, MemorySegment data, int rows, int cols) {
        String name = format.name().toLowerCase(java.util.Locale.ROOT);
        Blocks.checkShape(name, rows, cols);
        Blocks.checkSize(name, data, format.byteSize(rows, cols), rows, cols);
        this.format = format;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
        this.nb = cols / Blocks.QK;
        this.rowBytes = format.rowBytes(cols);
    }

    /** The underlying segment (ggml's blocks), e.g. to write it to disk. */
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
    public final MatrixFormat format() {
        return format;
    }

    @Override
    public final long byteSize() {
        return rows * rowBytes;
    }

    /**
     * Row {@code row} widened for the few-row kernel: its quants as exact f32 values, unscaled, into
     * {@code q[0 .. cols)}, each block's scale into {@code d[0 .. nb)} and, where the format has one, each block's
     * minimum into {@code m[0 .. nb)}.
     */
    abstract void widen(int row, float[] q, float[] d, float[] m);

    /**
     * {@link #dot} computed from a row {@link #widen}ed into {@code q, d, m}: the same operations on the same values,
     * so the same bits. The scaled formats' structure by default.
     */
    float dotWidened(float[] q, float[] d, float[] m, float[] x, int xOff) {
        return WidenedRows.scaled(q, d, nb, x, xOff);
    }

    /**
     * {@link #dotWidened} of four activation rows {@code x[x0 ..]} … {@code x[x3 ..]} (offsets may repeat) into
     * {@code out[0 .. 4)}, each the bits {@code dotWidened} gives it, with the widened weights loaded once for the four.
     */
    void dotWidened4(float[] q, float[] d, float[] m, float[] x, int x0, int x1, int x2, int x3, float[] out) {
        WidenedRows.scaled4(q, d, nb, x, x0, x1, x2, x3, out);
    }

    /**
     * {@link PanelMatMul} for more than {@link PanelMatMul#SMALL_N} activation rows; for fewer (speculative
     * verification) the few-row kernel, whose weight row is widened once and stays in L1, instead of a panel that
     * so few rows cannot amortise.
     */
    @Override
    public final void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else {
            matVecRows(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    /**
     * Widens each weight row once ({@link #widen}), then {@link #dotWidened4} per (up to) four activation rows, a
     * single last row through {@link #dotWidened}.
     */
    @Override
    public final void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n == 1) {
            matVec(x, xOff, y, yOff, r0, r1);
            return;
        }
        float[] q = new float[cols];
        float[] d = new float[nb];
        float[] m = new float[nb];
        float[] out = new float[4];
        for (int r = r0; r < r1; r++) {
            widen(r, q, d, m);
            for (int t = 0; t < n; t += 4) {
                int rows = Math.min(4, n - t);
                int x0 = xOff + t * xStride;
                if (rows == 1) {
                    y[yOff + t * yStride + r] = dotWidened(q, d, m, x, x0);
                    continue;
                }
                // 2 or 3 rows left: the missing ones repeat the first (their results are dropped), still one tile
                dotWidened4(q, d, m, x, x0, x0 + xStride, rows > 2 ? x0 + 2 * xStride : x0, rows > 3 ? x0 + 3 * xStride : x0, out);
                for (int i = 0; i < rows; i++) {
                    y[yOff + (t + i) * yStride + r] = out[i];
                }
            }
        }
    }
}
