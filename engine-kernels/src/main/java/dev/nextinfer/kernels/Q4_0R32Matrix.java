package dev.nextinfer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 weights repacked for integer arithmetic with rows in lanes (the idea of ik_llama.cpp's row-interleaved
 * {@code _R4}/{@code _R8} types), multiplied by activations quantised to int8 ({@link Int8Activations}): the
 * integer kernel of the speed issue. The same values as the {@link Q4_0Matrix} it is made from ({@link #row} gives
 * them bit for bit); the products round like llama.cpp's Q4_0 × Q8_0 dot, not like the exact f32 kernels.
 *
 * <p>Layout: rows in groups of 32 (the last one padded with zero rows); per group, per block of 32 columns, 576
 * bytes: the 32 rows' scales as Q4_0's f16 (64 bytes, widened to f32 in registers, exactly: the scales were held as
 * f32, 5 bits per weight, until the f16 widening of the in-place attention kernels had proved itself at every vector
 * width; an infinite or NaN scale, which no quantiser writes, would come out finite there), then 8 column quads of 64
 * bytes, little-endian 16-bit word {@code k} of quad {@code u} holding row {@code k}'s 4-bit {@code q} of columns
 * {@code 4u .. 4u + 3} (column {@code 4u + i} in bits {@code 4i .. 4i + 3}). 4.5 bits per weight, Q4_0's own size.
 *
 * <p>Kernel: per column quad, one load of 32 int16 lanes (one word per row, nothing to widen) and three shifts;
 * the word {@code w} and its shifts are multiplied by the activations' quad coefficients
 * ({@link Int8Activations#quad}), whose sum telescopes to {@code Σ nᵢ·xᵢ} modulo 2¹⁶: no masks. The block's int16
 * sum starts at {@code −8·Σ x}, so it ends at {@code Σ (q − 8)·x}, which fits int16 ({@code |Σ| ≤ 32·8·127}) and
 * is therefore exact although the partial sums wrap; it is widened once per block, converted to f32 and multiplied by
 * the row's scale times the activation block's scale. Per 128 multiply-adds 16 vector operations (4 broadcasts
 * included), against 24 for the column-pair layout this replaced (widen, mask, shift, mask per pair): in cache, one
 * thread, 36 → 48–50 G weights/s; no horizontal sums.
 *
 * <p>{@link #matVec}, {@link #matVecRows}, {@link #dot} and {@link #matMul} up to {@link #integerRows} rows (a
 * prefill's experts) compute each output with the same operations (batched decoding and speculative verification get
 * the bits of a decode step); above it {@link #matMul} is the f32 panel product.
 */
public final class Q4_0R32Matrix extends RowLaneMatrix {
    /** The rows' scales: Q4_0's f16 bits, widened in registers ({@link F16Tiles#widen}, exact). */
    private static final int SCALE_BYTES = 2 * R;
    /** Bytes per column quad: one 16-bit word per row. */
    private static final int QUAD_BYTES = 2 * R;
    /** Bytes per group and block of 32 columns. */
    static final int GROUP_BLOCK_BYTES = SCALE_BYTES + 8 * QUAD_BYTES;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q4_0 matrices), its size. */
    static final Layout<Q4_0R32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q4_0, Q4_0Matrix.class,
            Int8Activations.QK, Q4_0Matrix.BLOCK, GROUP_BLOCK_BYTES, Q4_0R32Matrix::put, Q4_0R32Matrix::new);

    private final int nb;

    private Q4_0R32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / Int8Activations.QK) * GROUP_BLOCK_BYTES);
        this.nb = cols / Int8Activations.QK;
    }

    /** Row {@code k}'s block (ggml's bytes at {@code block[bo]}: value {@code j} in byte {@code j mod 16}, low nibble for {@code j < 16}) into the group's at {@code buf[o]}. */
    static void put(byte[] block, int bo, byte[] buf, int o, int k) {
        buf[o + 2 * k] = block[bo];
        buf[o + 2 * k + 1] = block[bo + 1];
        for (int u = 0; u < 8; u++) {
            int word = 0;
            for (int i = 0; i < 4; i++) {
                int j = 4 * u + i;
                int v = block[bo + 2 + (j & 15)] & 0xFF;
                word |= (j < 16 ? v & 15 : v >>> 4) << 4 * i;
            }
            buf[o + SCALE_BYTES + QUAD_BYTES * u + 2 * k] = (byte) word;
            buf[o + SCALE_BYTES + QUAD_BYTES * u + 2 * k + 1] = (byte) (word >>> 8);
        }
    }

    /** Q4_0: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q4_0;
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for the group's 32 rows (padding rows give 0). */
    @Override
    void group(int g, Int8Activations a, int t, float[] out, int off) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        short[] k = a.quad;
        int xq = t * cols;
        int xb = t * nb;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                ShortVector acc = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + b]));
                for (int u = 0; u < 8; u++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * u + 2L * SL * part, LE);
                    int c = xq + 32 * b + 4 * u;
                    acc = acc.add(w.mul(k[c]))
                            .add(w.lanewise(VectorOperators.LSHR, 4).mul(k[c + 1]))
                            .add(w.lanewise(VectorOperators.LSHR, 8).mul(k[c + 2]))
                            .add(w.lanewise(VectorOperators.LSHR, 12).mul(k[c + 3]));
                }
                float dx = a.d[xb + b];
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                y0 = ((FloatVector) acc.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y1 = ((FloatVector) acc.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
            }
            y0.intoArray(out, off + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
        }
    }

    /** Pairs its groups: {@link #groups} runs faster than two calls of {@link #group} (measured, see {@link RowLaneMatrix#groups}). */
    @Override
    boolean pairsGroups() {
        return true;
    }

    /** {@link RowLaneMatrix#groups}: {@link #group}'s loop with each step written again for group {@code gb}. */
    @Override
    void groups(int g, int gb, Int8Activations a, int t, float[] out, int off, int offB) {
        MemorySegment data = chunk(g);
        MemorySegment dataB = chunk(gb);
        long base = offset(g);
        long baseB = offset(gb);
        short[] k = a.quad;
        int xq = t * cols;
        int xb = t * nb;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y0B = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            FloatVector y1B = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) b * GROUP_BLOCK_BYTES;
                ShortVector acc = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + b]));
                ShortVector accB = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + b]));
                for (int u = 0; u < 8; u++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * u + 2L * SL * part, LE);
                    ShortVector wB = ShortVector.fromMemorySegment(S, dataB, oB + SCALE_BYTES + (long) QUAD_BYTES * u + 2L * SL * part, LE);
                    int c = xq + 32 * b + 4 * u;
                    acc = acc.add(w.mul(k[c]))
                            .add(w.lanewise(VectorOperators.LSHR, 4).mul(k[c + 1]))
                            .add(w.lanewise(VectorOperators.LSHR, 8).mul(k[c + 2]))
                            .add(w.lanewise(VectorOperators.LSHR, 12).mul(k[c + 3]));
                    accB = accB.add(wB.mul(k[c]))
                            .add(wB.lanewise(VectorOperators.LSHR, 4).mul(k[c + 1]))
                            .add(wB.lanewise(VectorOperators.LSHR, 8).mul(k[c + 2]))
                            .add(wB.lanewise(VectorOperators.LSHR, 12).mul(k[c + 3]));
                }
                float dx = a.d[xb + b];
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                ShortVector hB = ShortVector.fromMemorySegment(S, dataB, oB + 2L * SL * part, LE);
                FloatVector w0B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                y0 = ((FloatVector) acc.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y0B = ((FloatVector) accB.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(dx), y0B);
                y1 = ((FloatVector) acc.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
                y1B = ((FloatVector) accB.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(dx), y1B);
            }
            y0.intoArray(out, off + SL * part);
            y0B.intoArray(out, offB + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
            y1B.intoArray(out, offB + SL * part + SL / 2);
        }
    }

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column quad loaded and shifted once. */
    @Override
    void group2(int g, Int8Activations a, int t, int u, float[] out, int offT, int offU) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        short[] k = a.quad;
        int xt = t * cols;
        int xu = u * cols;
        for (int part = 0; part < PARTS; part++) {
            FloatVector yt0 = FloatVector.zero(F);
            FloatVector yt1 = FloatVector.zero(F);
            FloatVector yu0 = FloatVector.zero(F);
            FloatVector yu1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                int bt = t * nb + b;
                int bu = u * nb + b;
                ShortVector accT = ShortVector.broadcast(S, (short) (-8 * a.sum[bt]));
                ShortVector accU = ShortVector.broadcast(S, (short) (-8 * a.sum[bu]));
                for (int v = 0; v < 8; v++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * v + 2L * SL * part, LE);
                    ShortVector w1 = w.lanewise(VectorOperators.LSHR, 4);
                    ShortVector w2 = w.lanewise(VectorOperators.LSHR, 8);
                    ShortVector w3 = w.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * b + 4 * v;
                    accT = accT.add(w.mul(k[xt + c])).add(w1.mul(k[xt + c + 1])).add(w2.mul(k[xt + c + 2])).add(w3.mul(k[xt + c + 3]));
                    accU = accU.add(w.mul(k[xu + c])).add(w1.mul(k[xu + c + 1])).add(w2.mul(k[xu + c + 2])).add(w3.mul(k[xu + c + 3]));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                float dt = a.d[bt];
                float du = a.d[bu];
                yt0 = ((FloatVector) accT.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(dt), yt0);
                yt1 = ((FloatVector) accT.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(dt), yt1);
                yu0 = ((FloatVector) accU.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(du), yu0);
                yu1 = ((FloatVector) accU.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(du), yu1);
            }
            yt0.intoArray(out, offT + SL * part);
            yt1.intoArray(out, offT + SL * part + SL / 2);
            yu0.intoArray(out, offU + SL * part);
            yu1.intoArray(out, offU + SL * part + SL / 2);
        }
    }

    @Override
    boolean pairsGroups2() {
        return true;
    }

    /** {@link #group2} for two groups at once (see {@link RowLaneMatrix#groups}). */
    @Override
    void groups2(int g, int gb, Int8Activations a, int t, int u, float[] out, int offT, int offU, int offTB, int offUB) {
        MemorySegment data = chunk(g);
        MemorySegment dataB = chunk(gb);
        long base = offset(g);
        long baseB = offset(gb);
        short[] k = a.quad;
        int xt = t * cols;
        int xu = u * cols;
        for (int part = 0; part < PARTS; part++) {
            FloatVector yt0 = FloatVector.zero(F);
            FloatVector yt0B = FloatVector.zero(F);
            FloatVector yt1 = FloatVector.zero(F);
            FloatVector yt1B = FloatVector.zero(F);
            FloatVector yu0 = FloatVector.zero(F);
            FloatVector yu0B = FloatVector.zero(F);
            FloatVector yu1 = FloatVector.zero(F);
            FloatVector yu1B = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) b * GROUP_BLOCK_BYTES;
                int bt = t * nb + b;
                int bu = u * nb + b;
                ShortVector accT = ShortVector.broadcast(S, (short) (-8 * a.sum[bt]));
                ShortVector accTB = ShortVector.broadcast(S, (short) (-8 * a.sum[bt]));
                ShortVector accU = ShortVector.broadcast(S, (short) (-8 * a.sum[bu]));
                ShortVector accUB = ShortVector.broadcast(S, (short) (-8 * a.sum[bu]));
                for (int v = 0; v < 8; v++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * v + 2L * SL * part, LE);
                    ShortVector wB = ShortVector.fromMemorySegment(S, dataB, oB + SCALE_BYTES + (long) QUAD_BYTES * v + 2L * SL * part, LE);
                    ShortVector w1 = w.lanewise(VectorOperators.LSHR, 4);
                    ShortVector w1B = wB.lanewise(VectorOperators.LSHR, 4);
                    ShortVector w2 = w.lanewise(VectorOperators.LSHR, 8);
                    ShortVector w2B = wB.lanewise(VectorOperators.LSHR, 8);
                    ShortVector w3 = w.lanewise(VectorOperators.LSHR, 12);
                    ShortVector w3B = wB.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * b + 4 * v;
                    accT = accT.add(w.mul(k[xt + c])).add(w1.mul(k[xt + c + 1])).add(w2.mul(k[xt + c + 2])).add(w3.mul(k[xt + c + 3]));
                    accTB = accTB.add(wB.mul(k[xt + c])).add(w1B.mul(k[xt + c + 1])).add(w2B.mul(k[xt + c + 2])).add(w3B.mul(k[xt + c + 3]));
                    accU = accU.add(w.mul(k[xu + c])).add(w1.mul(k[xu + c + 1])).add(w2.mul(k[xu + c + 2])).add(w3.mul(k[xu + c + 3]));
                    accUB = accUB.add(wB.mul(k[xu + c])).add(w1B.mul(k[xu + c + 1])).add(w2B.mul(k[xu + c + 2])).add(w3B.mul(k[xu + c + 3]));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                ShortVector hB = ShortVector.fromMemorySegment(S, dataB, oB + 2L * SL * part, LE);
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w0B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                float dt = a.d[bt];
                float du = a.d[bu];
                yt0 = ((FloatVector) accT.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(dt), yt0);
                yt0B = ((FloatVector) accTB.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(dt), yt0B);
                yt1 = ((FloatVector) accT.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(dt), yt1);
                yt1B = ((FloatVector) accTB.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(dt), yt1B);
                yu0 = ((FloatVector) accU.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(du), yu0);
                yu0B = ((FloatVector) accUB.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(du), yu0B);
                yu1 = ((FloatVector) accU.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(du), yu1);
                yu1B = ((FloatVector) accUB.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(du), yu1B);
            }
            yt0.intoArray(out, offT + SL * part);
            yt0B.intoArray(out, offTB + SL * part);
            yt1.intoArray(out, offT + SL * part + SL / 2);
            yt1B.intoArray(out, offTB + SL * part + SL / 2);
            yu0.intoArray(out, offU + SL * part);
            yu0B.intoArray(out, offUB + SL * part);
            yu1.intoArray(out, offU + SL * part + SL / 2);
            yu1B.intoArray(out, offUB + SL * part + SL / 2);
        }
    }

    /**
     * Up to 20 rows (the experts of a prefill with the real model's 512 experts get ~10): above it the f32 panel
     * product with its twelve-row tiles is the faster. One thread, weights in cache, activations quantised on every
     * call ({@code FewRowTiming --int8 --fresh --versus matmul}, 512-bit vectors), integer ÷ panel time: 0.56–0.66 at
     * 8 rows, 0.83–0.87 at 16, 0.96–1.05 at 24, 0.99–1.18 at 48 and 160 on the expert and 2048×2048 shapes; a
     * 512-token prefill of the a3b-e32 Q4_0 file (experts ~160 rows) 31–36 t/s against 26–32 with the integer
     * kernel at every row count, five alternating rounds in one JVM (docs/performance.md). Before the panel product
     * had twelve-row tiles the integer kernel was ahead at every row count and ran every product.
     */
    @Override
    int integerRows() {
        return 20;
    }

    /** The four-row kernel with a row repeated is cheaper than a pair and a single row here (measured). */
    @Override
    boolean fourRowsForThree() {
        return true;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}): each column
     * quad loaded and shifted once for four tokens; the same integers, then the same f32 operations in the same order.
     */
    @Override
    void group4(int g, Int8Activations a, int t, int m, float[] out, int off, int stride) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        short[] k = a.quad;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int last = Math.min(3, m - 1); // slot 3: token t + 3, or again token t + 2 when m = 3 (same bits, same place)
        int x3 = x0 + last * cols;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y00 = FloatVector.zero(F), y01 = FloatVector.zero(F);
            FloatVector y10 = FloatVector.zero(F), y11 = FloatVector.zero(F);
            FloatVector y20 = FloatVector.zero(F), y21 = FloatVector.zero(F);
            FloatVector y30 = FloatVector.zero(F), y31 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                int xb = t * nb + b;
                ShortVector c0 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb]));
                ShortVector c1 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + nb]));
                ShortVector c2 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + 2 * nb]));
                ShortVector c3 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + last * nb]));
                for (int v = 0; v < 8; v++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * v + 2L * SL * part, LE);
                    ShortVector w1 = w.lanewise(VectorOperators.LSHR, 4);
                    ShortVector w2 = w.lanewise(VectorOperators.LSHR, 8);
                    ShortVector w3 = w.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * b + 4 * v;
                    c0 = c0.add(w.mul(k[x0 + c])).add(w1.mul(k[x0 + c + 1])).add(w2.mul(k[x0 + c + 2])).add(w3.mul(k[x0 + c + 3]));
                    c1 = c1.add(w.mul(k[x1 + c])).add(w1.mul(k[x1 + c + 1])).add(w2.mul(k[x1 + c + 2])).add(w3.mul(k[x1 + c + 3]));
                    c2 = c2.add(w.mul(k[x2 + c])).add(w1.mul(k[x2 + c + 1])).add(w2.mul(k[x2 + c + 2])).add(w3.mul(k[x2 + c + 3]));
                    c3 = c3.add(w.mul(k[x3 + c])).add(w1.mul(k[x3 + c + 1])).add(w2.mul(k[x3 + c + 2])).add(w3.mul(k[x3 + c + 3]));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                float d0 = a.d[xb];
                float d1 = a.d[xb + nb];
                float d2 = a.d[xb + 2 * nb];
                float d3 = a.d[xb + last * nb];
                y00 = ((FloatVector) c0.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d0), y00);
                y01 = ((FloatVector) c0.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d0), y01);
                y10 = ((FloatVector) c1.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d1), y10);
                y11 = ((FloatVector) c1.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d1), y11);
                y20 = ((FloatVector) c2.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d2), y20);
                y21 = ((FloatVector) c2.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d2), y21);
                y30 = ((FloatVector) c3.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d3), y30);
                y31 = ((FloatVector) c3.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d3), y31);
            }
            int at = off + SL * part;
            y00.intoArray(out, at);
            y01.intoArray(out, at + SL / 2);
            y10.intoArray(out, at + stride);
            y11.intoArray(out, at + stride + SL / 2);
            y20.intoArray(out, at + 2 * stride);
            y21.intoArray(out, at + 2 * stride + SL / 2);
            y30.intoArray(out, at + last * stride);
            y31.intoArray(out, at + last * stride + SL / 2);
        }
    }

    /** Pairs its groups in four-row (and three-row) products too (measured, see {@link RowLaneMatrix#pairsGroups4}). */
    @Override
    boolean pairsGroups4() {
        return true;
    }

    /** {@link #group4} for two groups at once (see {@link RowLaneMatrix#groups}). */
    @Override
    void groups4(int g, int gb, Int8Activations a, int t, int m, float[] out, int off, int offB, int stride) {
        MemorySegment data = chunk(g);
        MemorySegment dataB = chunk(gb);
        long base = offset(g);
        long baseB = offset(gb);
        short[] k = a.quad;
        int x0 = t * cols;
        int x1 = x0 + cols;
        int x2 = x1 + cols;
        int last = Math.min(3, m - 1); // slot 3: token t + 3, or again token t + 2 when m = 3 (same bits, same place)
        int x3 = x0 + last * cols;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y00 = FloatVector.zero(F), y01 = FloatVector.zero(F);
            FloatVector y00B = FloatVector.zero(F), y01B = FloatVector.zero(F);
            FloatVector y10 = FloatVector.zero(F), y11 = FloatVector.zero(F);
            FloatVector y10B = FloatVector.zero(F), y11B = FloatVector.zero(F);
            FloatVector y20 = FloatVector.zero(F), y21 = FloatVector.zero(F);
            FloatVector y20B = FloatVector.zero(F), y21B = FloatVector.zero(F);
            FloatVector y30 = FloatVector.zero(F), y31 = FloatVector.zero(F);
            FloatVector y30B = FloatVector.zero(F), y31B = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) b * GROUP_BLOCK_BYTES;
                int xb = t * nb + b;
                ShortVector c0 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb]));
                ShortVector c0B = ShortVector.broadcast(S, (short) (-8 * a.sum[xb]));
                ShortVector c1 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + nb]));
                ShortVector c1B = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + nb]));
                ShortVector c2 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + 2 * nb]));
                ShortVector c2B = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + 2 * nb]));
                ShortVector c3 = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + last * nb]));
                ShortVector c3B = ShortVector.broadcast(S, (short) (-8 * a.sum[xb + last * nb]));
                for (int v = 0; v < 8; v++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * v + 2L * SL * part, LE);
                    ShortVector wB = ShortVector.fromMemorySegment(S, dataB, oB + SCALE_BYTES + (long) QUAD_BYTES * v + 2L * SL * part, LE);
                    ShortVector w1 = w.lanewise(VectorOperators.LSHR, 4);
                    ShortVector w1B = wB.lanewise(VectorOperators.LSHR, 4);
                    ShortVector w2 = w.lanewise(VectorOperators.LSHR, 8);
                    ShortVector w2B = wB.lanewise(VectorOperators.LSHR, 8);
                    ShortVector w3 = w.lanewise(VectorOperators.LSHR, 12);
                    ShortVector w3B = wB.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * b + 4 * v;
                    c0 = c0.add(w.mul(k[x0 + c])).add(w1.mul(k[x0 + c + 1])).add(w2.mul(k[x0 + c + 2])).add(w3.mul(k[x0 + c + 3]));
                    c0B = c0B.add(wB.mul(k[x0 + c])).add(w1B.mul(k[x0 + c + 1])).add(w2B.mul(k[x0 + c + 2])).add(w3B.mul(k[x0 + c + 3]));
                    c1 = c1.add(w.mul(k[x1 + c])).add(w1.mul(k[x1 + c + 1])).add(w2.mul(k[x1 + c + 2])).add(w3.mul(k[x1 + c + 3]));
                    c1B = c1B.add(wB.mul(k[x1 + c])).add(w1B.mul(k[x1 + c + 1])).add(w2B.mul(k[x1 + c + 2])).add(w3B.mul(k[x1 + c + 3]));
                    c2 = c2.add(w.mul(k[x2 + c])).add(w1.mul(k[x2 + c + 1])).add(w2.mul(k[x2 + c + 2])).add(w3.mul(k[x2 + c + 3]));
                    c2B = c2B.add(wB.mul(k[x2 + c])).add(w1B.mul(k[x2 + c + 1])).add(w2B.mul(k[x2 + c + 2])).add(w3B.mul(k[x2 + c + 3]));
                    c3 = c3.add(w.mul(k[x3 + c])).add(w1.mul(k[x3 + c + 1])).add(w2.mul(k[x3 + c + 2])).add(w3.mul(k[x3 + c + 3]));
                    c3B = c3B.add(wB.mul(k[x3 + c])).add(w1B.mul(k[x3 + c + 1])).add(w2B.mul(k[x3 + c + 2])).add(w3B.mul(k[x3 + c + 3]));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                ShortVector hB = ShortVector.fromMemorySegment(S, dataB, oB + 2L * SL * part, LE);
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w0B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                float d0 = a.d[xb];
                float d1 = a.d[xb + nb];
                float d2 = a.d[xb + 2 * nb];
                float d3 = a.d[xb + last * nb];
                y00 = ((FloatVector) c0.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d0), y00);
                y00B = ((FloatVector) c0B.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(d0), y00B);
                y01 = ((FloatVector) c0.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d0), y01);
                y01B = ((FloatVector) c0B.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(d0), y01B);
                y10 = ((FloatVector) c1.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d1), y10);
                y10B = ((FloatVector) c1B.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(d1), y10B);
                y11 = ((FloatVector) c1.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d1), y11);
                y11B = ((FloatVector) c1B.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(d1), y11B);
                y20 = ((FloatVector) c2.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d2), y20);
                y20B = ((FloatVector) c2B.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(d2), y20B);
                y21 = ((FloatVector) c2.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d2), y21);
                y21B = ((FloatVector) c2B.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(d2), y21B);
                y30 = ((FloatVector) c3.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0.mul(d3), y30);
                y30B = ((FloatVector) c3B.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).fma(w0B.mul(d3), y30B);
                y31 = ((FloatVector) c3.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1.mul(d3), y31);
                y31B = ((FloatVector) c3B.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).fma(w1B.mul(d3), y31B);
            }
            int at = off + SL * part;
            int atB = offB + SL * part;
            y00.intoArray(out, at);
            y00B.intoArray(out, atB);
            y01.intoArray(out, at + SL / 2);
            y01B.intoArray(out, atB + SL / 2);
            y10.intoArray(out, at + stride);
            y10B.intoArray(out, atB + stride);
            y11.intoArray(out, at + stride + SL / 2);
            y11B.intoArray(out, atB + stride + SL / 2);
            y20.intoArray(out, at + 2 * stride);
            y20B.intoArray(out, atB + 2 * stride);
            y21.intoArray(out, at + 2 * stride + SL / 2);
            y21B.intoArray(out, atB + 2 * stride + SL / 2);
            y30.intoArray(out, at + last * stride);
            y30B.intoArray(out, atB + last * stride);
            y31.intoArray(out, at + last * stride + SL / 2);
            y31B.intoArray(out, atB + last * stride + SL / 2);
        }
    }

    /** Columns {@code [c0, c1)} of group {@code g}: {@code (q − 8)·d}, as {@link #row}. One flat loop over column quads. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 4; u < c1 / 4; u++) {
                long o = base + (long) (u >> 3) * GROUP_BLOCK_BYTES;
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector d0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector d1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                ShortVector w = ShortVector.fromMemorySegment(S, data, o + SCALE_BYTES + (long) QUAD_BYTES * (u & 7) + 2L * SL * part, LE);
                int at = (4 * u - c0) * R + SL * part;
                for (int i = 0; i < 4; i++) {
                    ShortVector q = w.lanewise(VectorOperators.LSHR, 4 * i).and((short) 15).sub((short) 8);
                    ((FloatVector) q.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).mul(d0).intoArray(panel, at + i * R);
                    ((FloatVector) q.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).mul(d1).intoArray(panel, at + i * R + SL / 2);
                }
            }
        }
    }

    /** Row {@code row}'s values: {@code d·(q − 8)}, as {@link Q4_0Matrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int b = 0; b < nb; b++) {
            long o = offset(g) + (long) b * GROUP_BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(Blocks.LE_SHORT, o + 2L * k));
            for (int u = 0; u < 8; u++) {
                int word = data.get(Blocks.LE_SHORT, o + SCALE_BYTES + (long) QUAD_BYTES * u + 2L * k) & 0xFFFF;
                for (int i = 0; i < 4; i++) {
                    dst[off + 32 * b + 4 * u + i] = (float) ((word >>> 4 * i & 15) - 8) * d;
                }
            }
        }
    }
}
