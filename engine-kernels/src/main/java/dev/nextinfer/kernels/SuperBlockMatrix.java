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

    /**
     * Prepares the activations once, then one row at a time (one sequential weight stream, see {@link Matrix}).
     * Each format writes this loop itself, so that C2 profiles and compiles each format's {@link #dot} call on its
     * own: through one shared loop the call is bimorphic once two formats run (Q4_K and Q6_K in every Q4_K_M file),
     * C2 inlines both formats' kernels into the loop, and their vector helpers may be left out as cold, boxing their
     * vectors (see {@link BlockMatrix#matVec}; a 64-token
     * decode of an a3b-e32 Q4_K_M file allocated ~5 GB of boxed vectors in the Q4_K and Q6_K kernels that way).
     */
    @Override
    public abstract void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1);

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
        if (n == 1) {
            matVec(x, xOff, y, yOff, r0, r1); // a decode step's experts: the format's own loop, the same bits
            return;
        }
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
            if (four < n) {
                dots(r, x, xOff, xStride, four, n, p, y, yOff, yStride);
            }
        }
    }

    /**
     * {@code y[yOff + t·yStride + row] = dot(row, x_t, p[t])} for activation rows {@code t ∈ [t0, n)}, {@code x_t} at
     * {@code x[xOff + t·xStride ..]}: {@link #matVecRows}'s rows beyond its fours, one {@link #dot} each while the
     * weight row is in L1. Each format writes this loop itself, for the reason given at {@link #matVec}.
     */
    abstract void dots(int row, float[] x, int xOff, int xStride, int t0, int n, float[][] p, float[] y, int yOff,
                       int yStride);
}
