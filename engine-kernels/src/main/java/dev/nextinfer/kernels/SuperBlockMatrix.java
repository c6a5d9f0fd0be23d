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
        } else {
            matVecRows(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    /** Floats of {@link #widen}'s scales per super-block. */
    static final int SCALES = 32;

    /**
     * Super-block {@code b} of row {@code row} widened for the few-row kernel: its 256 quants as exact f32 values in
     * value order into {@code q[256·b ..)}, unscaled — the values {@link #dot} widens in a register — and into
     * {@code s[SCALES·b ..)} the per-sub-block scales (and minimums, and super-block scale) as {@code dot} computes
     * them. (Q4_K and Q5_K write only the scales: see {@link KGroupRows}.)
     */
    abstract void widen(int row, int b, float[] q, float[] s);

    /** Floats of running state the few-row kernel keeps per activation row (zero to start). */
    abstract int stateFloats();

    /**
     * {@link #dot}'s operations over widened row {@code row} for four activation rows: activation row {@code i} is
     * {@code x[xo + i·xStride ..]}, its running vectors {@code st[a + i·aStride ..]}.
     */
    abstract void widenedRows(int row, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride);

    /**
     * The part of {@link #dot} that uses {@link #prepare}'s data of one activation row ({@code prepared}; the block
     * minimums' term) over a widened row, into that activation row's state at {@code st[a ..]}. None by default.
     */
    void widenedMinimums(float[] s, float[] prepared, float[] st, int a) {
    }

    /** {@link #dot}'s result from one activation row's final state at {@code st[a ..]}. */
    abstract float widenedResult(float[] st, int a);

    /**
     * The few-row kernel: each weight row is widened once ({@link #widen}) into an L1-resident f32 copy and run
     * against the activation rows four at a time ({@link #widenedRows}); per activation row that is {@link #dot}'s
     * chain of operations over the same values in the same order, so the same bits. What the four share is the
     * unpacking (bit fields, sign extension, int-to-float conversion, table lookups, the scales), paid once instead
     * of four times, and each widened vector is loaded once for four FMAs. The last {@code n mod 4} activation rows
     * run {@link #dot} itself while the weight row is in L1: a single row over widened values has no other row's
     * FMAs to overlap its dependent chain with, and measured slower than the fused dot (Q4_K and Q6_K, 2 rows: 1.5–2.3×
     * the time of 2 mat-vecs).
     */
    @Override
    public final void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        float[][] p = new float[n][];
        for (int t = 0; t < n; t++) {
            p[t] = prepare(x, xOff + t * xStride);
        }
        int four = n & ~3;
        int slot = stateFloats();
        float[] st = new float[four * slot];
        float[] q = four > 0 ? new float[cols] : null;
        float[] s = four > 0 ? new float[SCALES * nb] : null;
        for (int r = r0; r < r1; r++) {
            if (four > 0) {
                for (int b = 0; b < nb; b++) {
                    widen(r, b, q, s);
                }
                java.util.Arrays.fill(st, 0f);
                for (int t = 0; t < four; t += 4) {
                    widenedRows(r, q, s, x, xOff + t * xStride, xStride, st, t * slot, slot);
                }
                for (int t = 0; t < four; t++) {
                    widenedMinimums(s, p[t], st, t * slot);
                    y[yOff + t * yStride + r] = widenedResult(st, t * slot);
                }
            }
            for (int t = four; t < n; t++) {
                y[yOff + t * yStride + r] = dot(r, x, xOff + t * xStride, p[t]);
            }
        }
    }
}
