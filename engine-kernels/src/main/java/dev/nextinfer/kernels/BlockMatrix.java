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
     * Blocks {@code [b0, b1)} of row {@code row} widened for the few-row kernel: their quants as exact f32 values,
     * unscaled, into {@code q[0 .. (b1 − b0)·32)}, each block's scale into {@code d[0 .. b1 − b0)} and, where the format
     * has one, each block's minimum into {@code m}.
     */
    abstract void widen(int row, int b0, int b1, float[] q, float[] d, float[] m);

    /** Whether {@link #dot} adds {@code m·Σx} per block (q4_1, q5_1: {@link WidenedRows#withMinimum4}). */
    boolean hasMinimum() {
        return false;
    }

    /** The leading blocks {@link #dot} runs in its vector chain; {@link #finish} adds what it does after the lane sum. */
    int vectorBlocks() {
        return nb;
    }

    /** {@link #dot}'s result from its vector chain's lane sum {@code sum} (the formats with a scalar tail add it). */
    float finish(int row, float sum, float[] x, int xOff) {
        return sum;
    }

    /**
     * One {@link #dot} per row, as {@link Matrix#matVec}; each format writes this loop itself. Through the interface's
     * shared loop the {@code dot} call's profile holds every format that ran it: with two formats it is bimorphic,
     * C2 inlines both kernels into the loop, and it was seen ({@code -XX:+PrintInlining}) to inline a format's
     * {@code dot} there without its vector helpers ("too big": the sites counted as cold), so every vector they take
     * or return was boxed. Measured ({@code StreamTiming}, the exact Q4_K, Q6_K, Q4_0 and Q8_0 kernels in one JVM, one
     * thread): in 11 of 15 JVMs the Q4_0 or the Q8_0 kernel ran 3–100× slower, allocating 0.6–1.5 GB per pass over
     * 0.2 GB of weights; with a loop per format, in none of 16.
     */
    @Override
    public abstract void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1);

    /**
     * {@link PanelMatMul} for more than {@link PanelMatMul#SMALL_N} activation rows; for fewer (speculative
     * verification) {@link #matVecRows}, since a panel cannot amortise over so few rows.
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
     * Up to this many activation rows {@link #matVecRows} runs one mat-vec per row, the same bits by definition:
     * widening the rows into an array and reading them back cost more than it saved for so few rows. Measured
     * (a3b-e32, 2 threads, exact kernels, {@code bench --batch 4}, 2026-12-06): aggregate decode Q8_0 3.28 / 3.59 →
     * 4.19 / 4.49 tok/s, Q4_0 4.03 / 4.52 → 6.17 / 6.11 — the widened kernel had made 4 sequences together slower
     * than one alone.
     */
    static final int MAT_VECS_UP_TO = 4;

    /** Blocks per column slice of the few-row kernel: 256 columns, so the slice of up to 16 activation rows stays in L1. */
    private static final int SLICE_BLOCKS = 8;

    /**
     * Up to {@value #MAT_VECS_UP_TO} rows one {@link #matVec} per row; above, the few-row kernel, blocked for L1: the
     * columns are taken in slices of {@value #SLICE_BLOCKS} blocks; per slice
     * each weight row's blocks are widened once ({@link #widen}) and run against every activation row, four at a time
     * (then two, then one: {@link WidenedRows}), each row's running vector kept between slices in an array. Per activation row that is
     * {@link #dot}'s chain over the same values in the same order (the slices only interleave other rows' work), so
     * the same bits; but the activations' slices stay in L1 for all weight rows (whole rows of several activations
     * would not: 4 × 2048 columns are already 32 KB) and each widened vector feeds four FMAs.
     */
    @Override
    public final void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n <= MAT_VECS_UP_TO) {
            for (int t = 0; t < n; t++) {
                matVec(x, xOff + t * xStride, y, yOff + t * yStride, r0, r1);
            }
            return;
        }
        int lanes = Simd.FB_LANES;
        int perRow = (n + 1) * lanes; // a slot per activation row, and one spare for a single row's tile of 2
        float[] acc = new float[(r1 - r0) * perRow];
        float[] q = new float[SLICE_BLOCKS * Blocks.QK];
        float[] d = new float[SLICE_BLOCKS];
        float[] m = new float[SLICE_BLOCKS];
        boolean minimum = hasMinimum();
        int blocks = vectorBlocks();
        int[] xo = new int[4];
        for (int b0 = 0; b0 < blocks; b0 += SLICE_BLOCKS) {
            int b1 = Math.min(blocks, b0 + SLICE_BLOCKS);
            for (int r = r0; r < r1; r++) {
                widen(r, b0, b1, q, d, m);
                for (int t = 0; t < n; ) {
                    int rows = n - t >= 4 ? 4 : Math.min(2, n - t); // tiles of 4, then 2, then 1: no wasted FMAs
                    for (int i = 0; i < rows; i++) {
                        xo[i] = xOff + (t + i) * xStride + b0 * Blocks.QK;
                    }
                    int a = (r - r0) * perRow + t * lanes;
                    if (rows == 4 && minimum) {
                        WidenedRows.withMinimum4(q, d, m, b1 - b0, x, xo[0], xo[1], xo[2], xo[3], acc, a);
                    } else if (rows == 4) {
                        WidenedRows.scaled4(q, d, b1 - b0, x, xo[0], xo[1], xo[2], xo[3], acc, a);
                    } else if (minimum) {
                        WidenedRows.withMinimum2(rows, q, d, m, b1 - b0, x, xo[0], xo[1], acc, a);
                    } else {
                        WidenedRows.scaled2(rows, q, d, b1 - b0, x, xo[0], xo[1], acc, a);
                    }
                    t += rows;
                }
            }
        }
        for (int r = r0; r < r1; r++) {
            for (int t = 0; t < n; t++) {
                int a = (r - r0) * perRow + t * lanes;
                y[yOff + t * yStride + r] = finish(r, WidenedRows.laneSum(acc, a), x, xOff + t * xStride);
            }
        }
    }
}
