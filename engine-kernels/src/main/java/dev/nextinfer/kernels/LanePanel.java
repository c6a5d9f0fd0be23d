package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import jdk.incubator.vector.FloatVector;

/**
 * The f32 register tiles of the prefill products: a panel of weights with their rows in vector lanes,
 * {@code panel[c·stride + lane + i]} for columns {@code c} and rows {@code i < 2·F.length()}, times activation rows,
 * accumulated into {@code sums[s + t·stride + i]} for activation row {@code t}. Each weight vector is loaded once per
 * column for every row of a tile and multiplied with that row's broadcast activation, {@code y = fma(w, x, y)} column
 * after column: no horizontal sums, and each output the in-order sum of its {@code fma}s over the columns, whatever
 * the tile. Used by {@link RowLaneMatrix#prefill} (the integer kernels' layouts, whose groups already have rows in
 * lanes), {@link PanelMatMul} (every stored format, its rows dequantised and transposed into the panel) and
 * {@link SmallGemm} (a row-major B is such a panel as it is: its columns are the lanes).
 */
final class LanePanel {
    /**
     * Whether twelve activation rows go at a time ({@link #tile12}): its 24 accumulators, two weight vectors and a
     * broadcast need the 32 vector registers of AVX-512; with 16 (AVX2) they would spill, so narrower vectors keep
     * {@link #tile4}'s 11.
     */
    static final boolean WIDE_TILES = F.vectorBitSize() >= 512;

    /** Weight rows of one panel: two vectors' lanes (32 with AVX-512). */
    static final int ROWS = 2 * F.length();

    /** Columns per panel: 128 columns of 32 rows in f32 are 16 KB, which stay in L1. */
    static final int COLS = 128;

    private LanePanel() {
    }

    /**
     * {@code sums[s + t·stride + i] += Σ_c panel[c·stride + lane + i]·x[xo + t·xs + c]} for the {@code len} columns,
     * the {@code n} activation rows {@code t} and the {@code 2·F.length()} rows {@code i} of the panel from
     * {@code lane}, each sum {@code fma} after {@code fma} in column order: twelve activation rows at a time
     * (where {@link #WIDE_TILES}), then four, then one.
     */
    static void multiply(float[] panel, int len, int stride, int lane, float[] x, int xo, int xs, int n, float[] sums, int s) {
        multiply(panel, len, stride, lane, x, xo, xs, n, sums, s, stride);
    }

    /** As {@link #multiply(float[], int, int, int, float[], int, int, int, float[], int)}, the sums' rows {@code ss} apart. */
    static void multiply(float[] panel, int len, int stride, int lane, float[] x, int xo, int xs, int n, float[] sums, int s,
                         int ss) {
        int t = 0;
        if (WIDE_TILES) {
            for (; t + 12 <= n; t += 12) {
                tile12(panel, len, stride, lane, x, xo + t * xs, xs, sums, s + t * ss, ss);
            }
        }
        for (; t + 4 <= n; t += 4) {
            tile4(panel, len, stride, lane, x, xo + t * xs, xs, sums, s + t * ss, ss);
        }
        for (; t < n; t++) {
            tile1(panel, len, stride, lane, x, xo + t * xs, sums, s + t * ss);
        }
    }

    /**
     * Twelve activation rows: each weight vector loaded once for 24 {@code fma}s instead of 8 (one thread, panel in
     * L1, 516 rows: ~96 G fma/s against ~84 for eight rows and ~65 for four, alternating in one JVM).
     */
    private static void tile12(float[] panel, int len, int ps, int lane, float[] x, int xo, int xs, float[] sums, int s, int ss) {
        int h = F.length();
        FloatVector a00 = FloatVector.fromArray(F, sums, s), a01 = FloatVector.fromArray(F, sums, s + h);
        FloatVector a10 = FloatVector.fromArray(F, sums, s + ss), a11 = FloatVector.fromArray(F, sums, s + ss + h);
        FloatVector a20 = FloatVector.fromArray(F, sums, s + 2 * ss), a21 = FloatVector.fromArray(F, sums, s + 2 * ss + h);
        FloatVector a30 = FloatVector.fromArray(F, sums, s + 3 * ss), a31 = FloatVector.fromArray(F, sums, s + 3 * ss + h);
        FloatVector a40 = FloatVector.fromArray(F, sums, s + 4 * ss), a41 = FloatVector.fromArray(F, sums, s + 4 * ss + h);
        FloatVector a50 = FloatVector.fromArray(F, sums, s + 5 * ss), a51 = FloatVector.fromArray(F, sums, s + 5 * ss + h);
        FloatVector a60 = FloatVector.fromArray(F, sums, s + 6 * ss), a61 = FloatVector.fromArray(F, sums, s + 6 * ss + h);
        FloatVector a70 = FloatVector.fromArray(F, sums, s + 7 * ss), a71 = FloatVector.fromArray(F, sums, s + 7 * ss + h);
        FloatVector a80 = FloatVector.fromArray(F, sums, s + 8 * ss), a81 = FloatVector.fromArray(F, sums, s + 8 * ss + h);
        FloatVector a90 = FloatVector.fromArray(F, sums, s + 9 * ss), a91 = FloatVector.fromArray(F, sums, s + 9 * ss + h);
        FloatVector aa0 = FloatVector.fromArray(F, sums, s + 10 * ss), aa1 = FloatVector.fromArray(F, sums, s + 10 * ss + h);
        FloatVector ab0 = FloatVector.fromArray(F, sums, s + 11 * ss), ab1 = FloatVector.fromArray(F, sums, s + 11 * ss + h);
        for (int c = 0; c < len; c++) {
            FloatVector w0 = FloatVector.fromArray(F, panel, c * ps + lane);
            FloatVector w1 = FloatVector.fromArray(F, panel, c * ps + lane + h);
            FloatVector b;
            b = FloatVector.broadcast(F, x[xo + c]);
            a00 = w0.fma(b, a00);
            a01 = w1.fma(b, a01);
            b = FloatVector.broadcast(F, x[xo + xs + c]);
            a10 = w0.fma(b, a10);
            a11 = w1.fma(b, a11);
            b = FloatVector.broadcast(F, x[xo + 2 * xs + c]);
            a20 = w0.fma(b, a20);
            a21 = w1.fma(b, a21);
            b = FloatVector.broadcast(F, x[xo + 3 * xs + c]);
            a30 = w0.fma(b, a30);
            a31 = w1.fma(b, a31);
            b = FloatVector.broadcast(F, x[xo + 4 * xs + c]);
            a40 = w0.fma(b, a40);
            a41 = w1.fma(b, a41);
            b = FloatVector.broadcast(F, x[xo + 5 * xs + c]);
            a50 = w0.fma(b, a50);
            a51 = w1.fma(b, a51);
            b = FloatVector.broadcast(F, x[xo + 6 * xs + c]);
            a60 = w0.fma(b, a60);
            a61 = w1.fma(b, a61);
            b = FloatVector.broadcast(F, x[xo + 7 * xs + c]);
            a70 = w0.fma(b, a70);
            a71 = w1.fma(b, a71);
            b = FloatVector.broadcast(F, x[xo + 8 * xs + c]);
            a80 = w0.fma(b, a80);
            a81 = w1.fma(b, a81);
            b = FloatVector.broadcast(F, x[xo + 9 * xs + c]);
            a90 = w0.fma(b, a90);
            a91 = w1.fma(b, a91);
            b = FloatVector.broadcast(F, x[xo + 10 * xs + c]);
            aa0 = w0.fma(b, aa0);
            aa1 = w1.fma(b, aa1);
            b = FloatVector.broadcast(F, x[xo + 11 * xs + c]);
            ab0 = w0.fma(b, ab0);
            ab1 = w1.fma(b, ab1);
        }
        a00.intoArray(sums, s);
        a01.intoArray(sums, s + h);
        a10.intoArray(sums, s + ss);
        a11.intoArray(sums, s + ss + h);
        a20.intoArray(sums, s + 2 * ss);
        a21.intoArray(sums, s + 2 * ss + h);
        a30.intoArray(sums, s + 3 * ss);
        a31.intoArray(sums, s + 3 * ss + h);
        a40.intoArray(sums, s + 4 * ss);
        a41.intoArray(sums, s + 4 * ss + h);
        a50.intoArray(sums, s + 5 * ss);
        a51.intoArray(sums, s + 5 * ss + h);
        a60.intoArray(sums, s + 6 * ss);
        a61.intoArray(sums, s + 6 * ss + h);
        a70.intoArray(sums, s + 7 * ss);
        a71.intoArray(sums, s + 7 * ss + h);
        a80.intoArray(sums, s + 8 * ss);
        a81.intoArray(sums, s + 8 * ss + h);
        a90.intoArray(sums, s + 9 * ss);
        a91.intoArray(sums, s + 9 * ss + h);
        aa0.intoArray(sums, s + 10 * ss);
        aa1.intoArray(sums, s + 10 * ss + h);
        ab0.intoArray(sums, s + 11 * ss);
        ab1.intoArray(sums, s + 11 * ss + h);
    }

    /** Four activation rows, as {@link #tile12}. */
    private static void tile4(float[] panel, int len, int ps, int lane, float[] x, int xo, int xs, float[] sums, int s, int ss) {
        int h = F.length();
        FloatVector a00 = FloatVector.fromArray(F, sums, s), a01 = FloatVector.fromArray(F, sums, s + h);
        FloatVector a10 = FloatVector.fromArray(F, sums, s + ss), a11 = FloatVector.fromArray(F, sums, s + ss + h);
        FloatVector a20 = FloatVector.fromArray(F, sums, s + 2 * ss), a21 = FloatVector.fromArray(F, sums, s + 2 * ss + h);
        FloatVector a30 = FloatVector.fromArray(F, sums, s + 3 * ss), a31 = FloatVector.fromArray(F, sums, s + 3 * ss + h);
        for (int c = 0; c < len; c++) {
            FloatVector w0 = FloatVector.fromArray(F, panel, c * ps + lane);
            FloatVector w1 = FloatVector.fromArray(F, panel, c * ps + lane + h);
            FloatVector x0 = FloatVector.broadcast(F, x[xo + c]);
            FloatVector x1 = FloatVector.broadcast(F, x[xo + xs + c]);
            FloatVector x2 = FloatVector.broadcast(F, x[xo + 2 * xs + c]);
            FloatVector x3 = FloatVector.broadcast(F, x[xo + 3 * xs + c]);
            a00 = w0.fma(x0, a00);
            a01 = w1.fma(x0, a01);
            a10 = w0.fma(x1, a10);
            a11 = w1.fma(x1, a11);
            a20 = w0.fma(x2, a20);
            a21 = w1.fma(x2, a21);
            a30 = w0.fma(x3, a30);
            a31 = w1.fma(x3, a31);
        }
        a00.intoArray(sums, s);
        a01.intoArray(sums, s + h);
        a10.intoArray(sums, s + ss);
        a11.intoArray(sums, s + ss + h);
        a20.intoArray(sums, s + 2 * ss);
        a21.intoArray(sums, s + 2 * ss + h);
        a30.intoArray(sums, s + 3 * ss);
        a31.intoArray(sums, s + 3 * ss + h);
    }

    /** One activation row, as {@link #tile12}. */
    private static void tile1(float[] panel, int len, int ps, int lane, float[] x, int xo, float[] sums, int s) {
        int h = F.length();
        FloatVector a0 = FloatVector.fromArray(F, sums, s);
        FloatVector a1 = FloatVector.fromArray(F, sums, s + h);
        for (int c = 0; c < len; c++) {
            FloatVector xc = FloatVector.broadcast(F, x[xo + c]);
            a0 = FloatVector.fromArray(F, panel, c * ps + lane).fma(xc, a0);
            a1 = FloatVector.fromArray(F, panel, c * ps + lane + h).fma(xc, a1);
        }
        a0.intoArray(sums, s);
        a1.intoArray(sums, s + h);
    }
}
