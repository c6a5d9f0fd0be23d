package dev.nextinfer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The driver shared by the integer kernels with rows in vector lanes ({@link IQ4_NLR32Matrix}, {@link IQ4_XSR32Matrix},
 * {@link Q2_KR32Matrix}, {@link Q3_KR32Matrix}, {@link Q4_0R32Matrix}, {@link Q4_KR32Matrix}, {@link Q5_0R32Matrix},
 * {@link Q5_KR32Matrix}, {@link Q6_KR32Matrix}, {@link Q8_0R32Matrix}; {@link IntegerKernels} picks one by format):
 * rows in groups of {@link #R}, a subclass computes one group for one quantised activation row ({@link #group}) and
 * describes its layout ({@link Layout}); this class repacks, splits products into groups, handles groups cut by a
 * chunk's row range, and runs prefill-sized products in f32 on the dequantised values ({@link #prefill}). Every
 * decode-sized form ({@link #matVec}, {@link #matVecRows}, {@link #dot}, {@link #matMul} up to
 * {@link #integerRows} rows) computes an output with the same operations.
 */
abstract sealed class RowLaneMatrix implements Matrix permits IQ4_NLR32Matrix, IQ4_XSR32Matrix, Q2_KR32Matrix, Q3_KR32Matrix,
        Q4_0R32Matrix, Q4_KR32Matrix, Q5_0R32Matrix, Q5_KR32Matrix, Q6_KR32Matrix, Q8_0R32Matrix {
    /** Rows per group (the int16 lanes of one 512-bit vector). */
    static final int R = 32;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);
    static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;
    /** int16 lanes per vector: 32, 16 or 8 (a group is {@link #PARTS} vectors). */
    static final int SL = S.length();
    static final int PARTS = R / SL;
    /** The bytes widened into one vector of {@link #S}, and the int and float vectors of its size. */
    static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(SL * 8));
    static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    static final VectorSpecies<Float> F = VectorSpecies.of(float.class, S.vectorShape());

    /** The repacked groups, in chunks of {@link #chunkGroups} groups each (see {@link #repack}). */
    private final MemorySegment[] chunks;
    private final int chunkGroups;
    /** Bytes per group. */
    private final long groupStride;
    final int rows;
    final int cols;

    RowLaneMatrix(Chunks chunks, int rows, int cols, long groupStride) {
        this.chunks = chunks.segments();
        this.chunkGroups = chunks.groups();
        this.groupStride = groupStride;
        this.rows = rows;
        this.cols = cols;
    }

    /** Memory holding repacked groups: {@code segments[i]} holds groups {@code [i·groups, (i + 1)·groups)}. */
    record Chunks(MemorySegment[] segments, int groups) {
    }

    /** The memory holding group {@code g}. */
    final MemorySegment chunk(int g) {
        return chunks[g / chunkGroups];
    }

    /** Where group {@code g} starts in {@link #chunk}. */
    final long offset(int g) {
        return (long) (g % chunkGroups) * groupStride;
    }

    /**
     * Copies row {@code r}'s stored bytes (ggml's layout, {@code dst.length} of them) from {@code source}, a block or
     * super-block matrix or rows stacked from such: the repacks' input.
     */
    static void storedRow(Matrix source, int r, byte[] dst) {
        Matrix m = source;
        while (m instanceof StackedRows s) {
            Matrix p = s.partOf(r);
            r = s.rowInPart(r);
            m = p;
        }
        switch (m) {
            case BlockMatrix b -> MemorySegment.copy(b.data, ValueLayout.JAVA_BYTE, r * b.rowBytes, dst, 0, dst.length);
            case SuperBlockMatrix b -> MemorySegment.copy(b.data, ValueLayout.JAVA_BYTE, r * b.rowBytes, dst, 0, dst.length);
            default -> throw new IllegalArgumentException("no stored block layout to repack: " + m.format());
        }
    }

    /** Writes row {@code k}'s block, stored at {@code src[bo ..]} in ggml's layout, into a group block at {@code buf[o ..]}. */
    @FunctionalInterface
    interface BlockRepack {
        void put(byte[] src, int bo, byte[] buf, int o, int k);
    }

    /** Makes a repacked matrix of its memory and shape: a layout's constructor. */
    @FunctionalInterface
    interface Make<M extends RowLaneMatrix> {
        M make(Chunks chunks, int rows, int cols);
    }

    /**
     * One integer kernel's layout, as its repack needs it: the stored {@code format} (ggml's {@code stored} matrix
     * class) it is made from, that format's block ({@code blockValues} values in {@code storedBlockBytes}), the bytes
     * per group of 32 rows and block, how a row's block is written ({@code put}) and the matrix made of the result.
     */
    record Layout<M extends RowLaneMatrix>(MatrixFormat format, Class<? extends Matrix> stored, int blockValues,
                                           int storedBlockBytes, int groupBlockBytes, BlockRepack put, Make<M> make) {
        /** Whether {@link #repack} takes {@code m}: the stored format, or rows stacked from such only. */
        boolean accepts(Matrix m) {
            if (m instanceof StackedRows s) {
                return s.allParts(this::accepts);
            }
            return stored.isInstance(m);
        }

        /** Bytes of a repacked {@code rows × cols} matrix: groups of 32 rows (rounded up) × blocks × group block. */
        long byteSize(int rows, int cols) {
            return (long) (rows + R - 1) / R * (cols / blockValues) * groupBlockBytes;
        }

        /**
         * {@code source} repacked into memory from {@code arena}, split over {@code pool} (null: this thread).
         *
         * @throws IllegalArgumentException unless {@link #accepts}
         */
        M repack(Matrix source, Arena arena, ThreadPool pool) {
            if (!accepts(source)) {
                throw new IllegalArgumentException("only " + format + " matrices can be repacked for this integer kernel, not "
                        + source.format());
            }
            return make.make(RowLaneMatrix.repack(source, arena, pool, blockValues, storedBlockBytes, groupBlockBytes, put),
                    source.rows(), source.cols());
        }
    }

    /**
     * The repacks' common part: memory from {@code arena} for the repacked matrix, filled group by group (split over
     * {@code pool}'s threads; null: this thread). A group's rows are copied whole into heap arrays (one bulk copy per
     * row, not one per block), {@code put} writes each row's blocks into a heap buffer of the group (zero where the
     * last group has no row: padding rows multiply to 0), and the buffer is copied out whole. The memory is allocated
     * in chunks, each by the thread that fills it: allocating zeroes the memory, page by page, and one allocation
     * for the whole matrix on the loading thread was half of the load time (JFR).
     */
    static Chunks repack(Matrix source, Arena arena, ThreadPool pool, int blockValues, int storedBlockBytes,
                         int groupBlockBytes, BlockRepack put) {
        int rows = source.rows();
        int nb = source.cols() / blockValues;
        int groups = (rows + R - 1) / R;
        int chunkGroups = pool == null ? groups : Math.max(1, (groups + 4 * pool.threads() - 1) / (4 * pool.threads()));
        MemorySegment[] segments = new MemorySegment[(groups + chunkGroups - 1) / chunkGroups];
        ThreadPool.RangeTask fill = (i0, i1) -> {
            byte[] buf = new byte[nb * groupBlockBytes];
            byte[][] src = new byte[R][nb * storedBlockBytes];
            for (int i = i0; i < i1; i++) {
                int g0 = i * chunkGroups;
                int g1 = Math.min(groups, g0 + chunkGroups);
                MemorySegment dst = arena.allocate((long) (g1 - g0) * nb * groupBlockBytes, 64);
                for (int g = g0; g < g1; g++) {
                    int n = Math.min(R, rows - g * R);
                    for (int k = 0; k < n; k++) {
                        storedRow(source, g * R + k, src[k]);
                    }
                    java.util.Arrays.fill(buf, (byte) 0);
                    for (int b = 0; b < nb; b++) {
                        for (int k = 0; k < n; k++) {
                            put.put(src[k], b * storedBlockBytes, buf, b * groupBlockBytes, k);
                        }
                    }
                    MemorySegment.copy(buf, 0, dst, ValueLayout.JAVA_BYTE, (long) (g - g0) * nb * groupBlockBytes, buf.length);
                }
                segments[i] = dst;
            }
        };
        if (pool == null) {
            fill.run(0, segments.length);
        } else {
            pool.parallelFor(segments.length, 1, fill);
        }
        return new Chunks(segments, chunkGroups);
    }

    /** Stores {@code bits} (an f32's) little-endian at {@code buf[o ..]}: the repacked layouts' f32 scales. */
    static void putFloatBits(byte[] buf, int o, int bits) {
        for (int i = 0; i < 4; i++) {
            buf[o + i] = (byte) (bits >>> 8 * i);
        }
    }

    /** The f16 at {@code src[o]} (little-endian), as the bits of the f32 it converts to exactly. */
    static int f16Bits(byte[] src, int o) {
        return Float.floatToRawIntBits(Float.float16ToFloat((short) ((src[o] & 0xFF) | src[o + 1] << 8)));
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for group {@code g}'s 32 rows (padding rows give 0). */
    abstract void group(int g, Int8Activations a, int t, float[] out, int off);

    /**
     * {@link #group} for two different groups {@code g} and {@code gb} at once (into {@code out[off ..]} and
     * {@code out[offB ..]}), each the bits of its group alone; what a decode step's mat-vec runs where
     * {@link #pairsGroups}. One group's loop is one chain of dependent int16 sums reading one stream of weights; with a
     * second, independent chain and stream in the same loop a mat-vec ran up to 1.8× faster in cache and 1.3–1.6×
     * from memory on this project's reference machine (docs/performance.md): the groups are taken half a chunk apart,
     * which the hardware prefetchers follow as two streams (two adjacent groups, one stream to them, were slower from
     * memory than one group at a time). This default runs the two groups one after the other.
     */
    void groups(int g, int gb, Int8Activations a, int t, float[] out, int off, int offB) {
        group(g, a, t, out, off);
        group(gb, a, t, out, offB);
    }

    /**
     * Whether this layout has a {@link #groups} kernel that beats two {@link #group} calls (measured per layout, in
     * cache and from memory: Q4_0, Q4_K, Q5_K, Q2_K, Q5_0, Q8_0 and IQ4_NL do; Q3_K, IQ4_XS and Q6_K, whose loops
     * written twice over ran no faster or slower, do not).
     */
    boolean pairsGroups() {
        return false;
    }

    /**
     * Whether this layout has a {@link #groups2} kernel that beats two {@link #group2} calls (Q4_0, Q4_K and Q8_0,
     * measured: two rows of 512×2048 in cache +39%, +26% and +20%, from memory +18%, +25–40% and +25%, one thread).
     */
    boolean pairsGroups2() {
        return false;
    }

    /**
     * {@link #group2} (rows {@code t} and {@code u}) for two different groups {@code g} and {@code gb} at once, each
     * the bits of {@link #group2} on its group alone; the two-row form of {@link #groups}. This default runs them one
     * after the other.
     */
    void groups2(int g, int gb, Int8Activations a, int t, int u, float[] out, int offT, int offU, int offTB, int offUB) {
        group2(g, a, t, u, out, offT, offU);
        group2(gb, a, t, u, out, offTB, offUB);
    }

    /**
     * Whether this layout has a {@link #groups4} kernel that beats two {@link #group4} calls: each broadcast activation
     * feeds two groups' multiplies, and two weight streams run (Q4_0, measured: four rows of 512×2048, one thread, in
     * cache +13%, from memory +14%). Q4_K's paired loop was as fast once compiled (+17%, +11–70%), but C1 gave up on
     * it ("out of virtual registers") and it ran interpreted until C2 compiled it, tens of seconds into a batch; Q8_0's
     * four-row loop holds 16 accumulators per group already.
     */
    boolean pairsGroups4() {
        return false;
    }

    /**
     * {@link #group4} (rows {@code t ..}, {@code m} = 3 or 4) for two different groups {@code g} and {@code gb} at
     * once, each the bits of {@link #group4} on its group alone; the four-row form of {@link #groups}. This default
     * runs them one after the other.
     */
    void groups4(int g, int gb, Int8Activations a, int t, int m, float[] out, int off, int offB, int stride) {
        group4(g, a, t, m, out, off, stride);
        group4(gb, a, t, m, out, offB, stride);
    }

    /**
     * {@link #group} for two activation rows, {@code t} into {@code out[offT ..]} and {@code u} into
     * {@code out[offU ..]}, each the bits {@link #group} gives: the weights are loaded and unpacked once for both,
     * which is what batched decoding and speculative verification gain (the integer sums are exact in any order, and
     * each row's f32 accumulation is {@link #group}'s, in its order).
     */
    abstract void group2(int g, Int8Activations a, int t, int u, float[] out, int offT, int offU);

    /**
     * {@link #group} for the activation rows {@code t .. t+m−1}, row {@code t+i} into {@code out[off + i·stride ..]},
     * each the bits {@link #group} gives. {@code m} is 4, or 3 where {@link #fourRowsForThree} (the third row then
     * computed twice, into the same place), so only a layout that overrides this method may say so. This default
     * runs {@link #group2} twice; a layout whose unpacking is worth sharing four ways overrides it.
     */
    void group4(int g, Int8Activations a, int t, int m, float[] out, int off, int stride) {
        group2(g, a, t, t + 1, out, off, off + stride);
        group2(g, a, t + 2, t + 3, out, off + 2 * stride, off + 3 * stride);
    }

    @Override
    public final int rows() {
        return rows;
    }

    @Override
    public final int cols() {
        return cols;
    }

    /** The repacked memory: the chunks' bytes. */
    @Override
    public final long byteSize() {
        long bytes = 0;
        for (MemorySegment c : chunks) {
            bytes += c.byteSize();
        }
        return bytes;
    }

    @Override
    public final int rowGroup() {
        return R;
    }

    @Override
    public final float dot(int row, float[] x, int xOff) {
        float[] out = new float[R];
        group(row / R, Int8Activations.of(x, xOff, cols, 1, cols), 0, out, 0);
        return out[row % R];
    }

    @Override
    public final void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        multiply(x, xOff, cols, 1, y, yOff, rows, r0, r1);
    }

    @Override
    public final void matVecRows(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        multiply(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
    }

    /**
     * Above {@link #integerRows} activation rows (prefill) exact f32 arithmetic on the weights' values
     * ({@link #prefill}); up to it the integer kernel, as a decode step.
     */
    @Override
    public final void matMul(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (n > integerRows()) {
            prefill(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        } else {
            multiply(x, xOff, xStride, n, y, yOff, yStride, r0, r1);
        }
    }

    /**
     * The most activation rows {@link #matMul} sends through the integer kernel: above it the f32 panel product
     * ({@link #prefill}), which dequantises a panel once for all rows, is the faster. {@link PanelMatMul#SMALL_N} by
     * default; a layout whose few-row form stays ahead longer (timed with {@code FewRowTiming --int8 --fresh --versus
     * matmul}, quantisation included) says so. It matters for the experts of a prefill: 512 prompt tokens over the real model's 512 experts, 10 per
     * token, give each expert about 10 rows.
     */
    int integerRows() {
        return PanelMatMul.SMALL_N;
    }

    /** Columns per panel of {@link #prefill}: 128 columns of a group's 32 rows in f32 are 16 KB, which stay in L1. */
    static final int PANEL_COLS = 128;

    /**
     * Group {@code g}'s values of columns {@code [c0, c1)} (multiples of 32) into {@code panel[(c − c0)·R + k]},
     * column by column with the group's 32 rows {@code k} side by side — the layout's own order, so that the
     * dequantisation is whole vectors: the values {@link #row} gives, bit for bit.
     */
    abstract void values(int g, int c0, int c1, float[] panel);

    /**
     * The prefill product in exact f32 on the weights' values (the integer kernel would round each activation to 8
     * bits; a mat-mat is compute-bound either way): per group, {@link #PANEL_COLS} columns at a time are dequantised
     * into a panel with the rows in lanes ({@link #values}) and multiplied by {@link LanePanel}'s register tiles: each
     * output the in-order sum of {@code fma}s over the columns.
     * Dequantising in vectors is what the f32 panel kernel shared by the other formats could not do here: it reads
     * weights a row at a time, and a row of this layout is strided (measured, a3b-e32 Q4_K_M, 2 threads, 128-token
     * prompt: 15.2 t/s through that kernel against 19.7 for the stored Q4_K).
     */
    final void prefill(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (r0 >= r1 || n <= 0) {
            return;
        }
        PanelMatMul.Scratch scratch = PanelMatMul.Scratch.LOCAL.get(); // kept per thread (see there)
        float[] panel = scratch.work = PanelMatMul.Scratch.atLeast(scratch.work, PANEL_COLS * R);
        float[] sums = scratch.sums = PanelMatMul.Scratch.atLeast(scratch.sums, n * R);
        for (int g = r0 / R; g * R < r1; g++) {
            java.util.Arrays.fill(sums, 0, n * R, 0f);
            for (int c0 = 0; c0 < cols; c0 += PANEL_COLS) {
                int c1 = Math.min(cols, c0 + PANEL_COLS);
                values(g, c0, c1, panel);
                int len = c1 - c0;
                for (int part = 0; part < PARTS; part++) {
                    LanePanel.multiply(panel, len, R, SL * part, x, xOff + c0, xStride, n, sums, SL * part);
                }
            }
            int g0 = g * R;
            int from = Math.max(r0, g0);
            int to = Math.min(r1, g0 + R);
            for (int t = 0; t < n; t++) {
                System.arraycopy(sums, t * R + from - g0, y, yOff + t * yStride + from, to - from);
            }
        }
    }

    /**
     * With one activation row (a decode step) or two, where the layout has the kernel for it ({@link #pairsGroups},
     * {@link #pairsGroups2}), the range's whole groups first, two at a time, half the range apart ({@link #groups},
     * {@link #groups2}: two streams of weights, far enough apart for the prefetchers to see two). Then every other
     * group for all {@code n} rows while its weights are in cache: four rows at a time ({@link #group4}), the last 1–3
     * by {@link #group}, {@link #group2} or (see {@link #fourRowsForThree}) {@link #group4} with a row repeated.
     */
    private void multiply(float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride, int r0, int r1) {
        if (r0 >= r1 || n <= 0) {
            return;
        }
        Int8Activations a = Int8Activations.of(x, xOff, xStride, n, cols);
        int ga = (r0 + R - 1) / R; // whole groups [ga, gb)
        int gb = r1 / R;
        boolean four = (n == 4 || n == 3 && fourRowsForThree()) && pairsGroups4();
        int half = n == 1 && pairsGroups() || n == 2 && pairsGroups2() || four ? Math.max(0, gb - ga) / 2 : 0;
        for (int i = 0; i < half; i++) {
            int g = ga + i;
            int h = ga + half + i;
            if (n == 1) {
                groups(g, h, a, 0, y, yOff + g * R, yOff + h * R);
            } else if (n == 2) {
                groups2(g, h, a, 0, 1, y, yOff + g * R, yOff + yStride + g * R, yOff + h * R, yOff + yStride + h * R);
            } else {
                groups4(g, h, a, 0, n, y, yOff + g * R, yOff + h * R, yStride);
            }
        }
        float[] part = null;
        for (int g = r0 / R; g * R < r1; g++) {
            if (g >= ga && g < ga + 2 * half) {
                continue; // done in pairs
            }
            int g0 = g * R;
            // a group cut by the chunk's bounds (or the padding) is computed into part, its rows in [r0, r1) copied
            boolean whole = g0 >= r0 && g0 + R <= r1;
            if (!whole && part == null) {
                part = new float[4 * R];
            }
            int t = 0;
            while (t < n) {
                int m = Math.min(4, n - t);
                if (whole) {
                    rows(g, a, t, m, y, yOff + t * yStride + g0, yStride);
                } else {
                    rows(g, a, t, m, part, 0, R);
                    for (int i = 0; i < m; i++) {
                        copyCut(part, i * R, y, yOff + (t + i) * yStride, g0, r0, r1);
                    }
                }
                t += m;
            }
        }
    }

    /**
     * Whether three rows run faster through {@link #group4} with one repeated than as {@link #group2} plus
     * {@link #group}: true where unpacking dominates (Q4_0, Q4_K, Q5_K, Q6_K), not where the products fit int16 only in
     * pairs (Q8_0, the IQ4 tables) or the unpacking is cheap (Q2_K); measured with {@code FewRowTiming --int8}.
     */
    boolean fourRowsForThree() {
        return false;
    }

    /** Group {@code g} for the {@code m ≤ 4} activation rows {@code t ..}, row {@code t+i} into {@code out[off + i·stride ..]}. */
    private void rows(int g, Int8Activations a, int t, int m, float[] out, int off, int stride) {
        if (m == 4 || m == 3 && fourRowsForThree()) {
            group4(g, a, t, m, out, off, stride);
        } else if (m >= 2) {
            group2(g, a, t, t + 1, out, off, off + stride);
            if (m == 3) {
                group(g, a, t + 2, out, off + 2 * stride);
            }
        } else {
            group(g, a, t, out, off);
        }
    }

    /** The rows of group {@code [g0, g0 + R)} inside {@code [r0, r1)}, from {@code part[p ..]} into {@code y[yo + row]}. */
    private static void copyCut(float[] part, int p, float[] y, int yo, int g0, int r0, int r1) {
        int from = Math.max(r0, g0);
        System.arraycopy(part, p + from - g0, y, yo + from, Math.min(r1, g0 + R) - from);
    }
}
