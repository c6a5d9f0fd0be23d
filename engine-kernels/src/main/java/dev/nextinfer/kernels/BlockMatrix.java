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
     * {@link PanelMatMul} for more than {@link PanelMatMul#SMALL_N} activation rows; for fewer (speculative
     * verification) the fused dot once per activation row while the weight row is in L1, instead of dequantising
     * it into a panel that so few rows cannot amortise.
     */
    @Override
    public final void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > PanelMatMul.SMALL_N) {
            PanelMatMul.matMul(this, x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else {
            Matrix.super.matMul(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }
}
