package dev.nextinfer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q8_0 weights repacked for the integer kernel with rows in lanes, as {@link Q4_0R32Matrix} does for Q4_0 (read that
 * first): activations quantised to int8 per block of 32 ({@link Int8Activations}), {@code Σ q·x} of a block in
 * integers, one FMA per block and 32 rows. Two products of 8-bit values fit in int16 ({@code 2·128·127 < 2¹⁵}), so
 * the int16 sum of each column pair is widened to int32 at once.
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and block of 32 columns, 1088 bytes:
 * the 32 rows' scales as Q8_0's f16 (64 bytes, widened to f32 in registers, exactly, as {@link Q4_0R32Matrix} does),
 * then per column 32 bytes, byte {@code k} holding row {@code k}'s {@code q}. 8.5 bits per weight, Q8_0's own size. {@link #row} gives {@link Q8_0Matrix}'s values bit for bit.
 */
public final class Q8_0R32Matrix extends RowLaneMatrix {
    private static final int SCALE_BYTES = 2 * R;
    /** Bytes per group and block of 32 columns. */
    static final int GROUP_BLOCK_BYTES = SCALE_BYTES + 32 * R;
    /** Bytes of a stored Q8_0 block: f16 scale and 32 quants. */
    private static final int BLOCK = 34;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q8_0 matrices), its size. */
    static final Layout<Q8_0R32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q8_0, Q8_0Matrix.class,
            Int8Activations.QK, BLOCK, GROUP_BLOCK_BYTES, Q8_0R32Matrix::put, Q8_0R32Matrix::new);

    private final int nb;

    private Q8_0R32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / Int8Activations.QK) * GROUP_BLOCK_BYTES);
        this.nb = cols / Int8Activations.QK;
    }

    /** Row {@code k}'s block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        buf[o + 2 * k] = blk[bo]; // the f16 scale, widened in registers by the kernels
        buf[o + 2 * k + 1] = blk[bo + 1];
        for (int c = 0; c < 32; c++) {
            buf[o + SCALE_BYTES + R * c + k] = blk[bo + 2 + c];
        }
    }

    /** Q8_0: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q8_0;
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for the group's 32 rows. */
    @Override
    void group(int g, Int8Activations a, int t, float[] out, int off) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        int xq = t * cols;
        int xb = t * nb;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                IntVector s0 = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                for (int p = 0; p < 16; p++) {
                    long qo = o + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    int c = xq + 32 * b + 2 * p;
                    ShortVector pair = q0.mul(a.q[c]).add(q1.mul(a.q[c + 1]));
                    s0 = s0.add(pair.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(pair.convertShape(VectorOperators.S2I, I, 1));
                }
                float dx = a.d[xb + b];
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
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
                IntVector s0 = IntVector.zero(I);
                IntVector s0B = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                IntVector s1B = IntVector.zero(I);
                for (int p = 0; p < 16; p++) {
                    long qo = o + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    long qoB = oB + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q0B = (ShortVector) ByteVector.fromMemorySegment(B, dataB, qoB, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1B = (ShortVector) ByteVector.fromMemorySegment(B, dataB, qoB + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    int c = xq + 32 * b + 2 * p;
                    ShortVector pair = q0.mul(a.q[c]).add(q1.mul(a.q[c + 1]));
                    ShortVector pairB = q0B.mul(a.q[c]).add(q1B.mul(a.q[c + 1]));
                    s0 = s0.add(pair.convertShape(VectorOperators.S2I, I, 0));
                    s0B = s0B.add(pairB.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(pair.convertShape(VectorOperators.S2I, I, 1));
                    s1B = s1B.add(pairB.convertShape(VectorOperators.S2I, I, 1));
                }
                float dx = a.d[xb + b];
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                ShortVector hB = ShortVector.fromMemorySegment(S, dataB, oB + 2L * SL * part, LE);
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w0B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y0B = ((FloatVector) s0B.convert(VectorOperators.I2F, 0)).fma(w0B.mul(dx), y0B);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
                y1B = ((FloatVector) s1B.convert(VectorOperators.I2F, 0)).fma(w1B.mul(dx), y1B);
            }
            y0.intoArray(out, off + SL * part);
            y0B.intoArray(out, offB + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
            y1B.intoArray(out, offB + SL * part + SL / 2);
        }
    }

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column pair loaded and widened once. */
    @Override
    void group2(int g, Int8Activations a, int t, int u, float[] out, int offT, int offU) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        int xt = t * cols;
        int xu = u * cols;
        for (int part = 0; part < PARTS; part++) {
            FloatVector yt0 = FloatVector.zero(F);
            FloatVector yt1 = FloatVector.zero(F);
            FloatVector yu0 = FloatVector.zero(F);
            FloatVector yu1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                IntVector st0 = IntVector.zero(I);
                IntVector st1 = IntVector.zero(I);
                IntVector su0 = IntVector.zero(I);
                IntVector su1 = IntVector.zero(I);
                for (int p = 0; p < 16; p++) {
                    long qo = o + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    int c = 32 * b + 2 * p;
                    ShortVector pairT = q0.mul(a.q[xt + c]).add(q1.mul(a.q[xt + c + 1]));
                    ShortVector pairU = q0.mul(a.q[xu + c]).add(q1.mul(a.q[xu + c + 1]));
                    st0 = st0.add(pairT.convertShape(VectorOperators.S2I, I, 0));
                    st1 = st1.add(pairT.convertShape(VectorOperators.S2I, I, 1));
                    su0 = su0.add(pairU.convertShape(VectorOperators.S2I, I, 0));
                    su1 = su1.add(pairU.convertShape(VectorOperators.S2I, I, 1));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                float dt = a.d[t * nb + b];
                float du = a.d[u * nb + b];
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(w0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(w1.mul(dt), yt1);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(w0.mul(du), yu0);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(w1.mul(du), yu1);
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
                IntVector st0 = IntVector.zero(I);
                IntVector st0B = IntVector.zero(I);
                IntVector st1 = IntVector.zero(I);
                IntVector st1B = IntVector.zero(I);
                IntVector su0 = IntVector.zero(I);
                IntVector su0B = IntVector.zero(I);
                IntVector su1 = IntVector.zero(I);
                IntVector su1B = IntVector.zero(I);
                for (int p = 0; p < 16; p++) {
                    long qo = o + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    long qoB = oB + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q0B = (ShortVector) ByteVector.fromMemorySegment(B, dataB, qoB, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1B = (ShortVector) ByteVector.fromMemorySegment(B, dataB, qoB + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    int c = 32 * b + 2 * p;
                    ShortVector pairT = q0.mul(a.q[xt + c]).add(q1.mul(a.q[xt + c + 1]));
                    ShortVector pairTB = q0B.mul(a.q[xt + c]).add(q1B.mul(a.q[xt + c + 1]));
                    ShortVector pairU = q0.mul(a.q[xu + c]).add(q1.mul(a.q[xu + c + 1]));
                    ShortVector pairUB = q0B.mul(a.q[xu + c]).add(q1B.mul(a.q[xu + c + 1]));
                    st0 = st0.add(pairT.convertShape(VectorOperators.S2I, I, 0));
                    st0B = st0B.add(pairTB.convertShape(VectorOperators.S2I, I, 0));
                    st1 = st1.add(pairT.convertShape(VectorOperators.S2I, I, 1));
                    st1B = st1B.add(pairTB.convertShape(VectorOperators.S2I, I, 1));
                    su0 = su0.add(pairU.convertShape(VectorOperators.S2I, I, 0));
                    su0B = su0B.add(pairUB.convertShape(VectorOperators.S2I, I, 0));
                    su1 = su1.add(pairU.convertShape(VectorOperators.S2I, I, 1));
                    su1B = su1B.add(pairUB.convertShape(VectorOperators.S2I, I, 1));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                ShortVector hB = ShortVector.fromMemorySegment(S, dataB, oB + 2L * SL * part, LE);
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w0B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                float dt = a.d[t * nb + b];
                float du = a.d[u * nb + b];
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(w0.mul(dt), yt0);
                yt0B = ((FloatVector) st0B.convert(VectorOperators.I2F, 0)).fma(w0B.mul(dt), yt0B);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(w1.mul(dt), yt1);
                yt1B = ((FloatVector) st1B.convert(VectorOperators.I2F, 0)).fma(w1B.mul(dt), yt1B);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(w0.mul(du), yu0);
                yu0B = ((FloatVector) su0B.convert(VectorOperators.I2F, 0)).fma(w0B.mul(du), yu0B);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(w1.mul(du), yu1);
                yu1B = ((FloatVector) su1B.convert(VectorOperators.I2F, 0)).fma(w1B.mul(du), yu1B);
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

    /** Up to 10 rows the integer kernel beats the f32 panel product here (measured, see {@link RowLaneMatrix#integerRows}). */
    @Override
    int integerRows() {
        return 10;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}),
     * four of them with each column pair loaded and widened once for four tokens; the same integers and f32 operations as
     * {@link #group}, in its order.
     */
    @Override
    void group4(int g, Int8Activations a, int t, int m, float[] out, int off, int stride) {
        MemorySegment data = chunk(g);
        long base = offset(g);
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
                IntVector s00 = IntVector.zero(I), s01 = IntVector.zero(I), s10 = IntVector.zero(I), s11 = IntVector.zero(I);
                IntVector s20 = IntVector.zero(I), s21 = IntVector.zero(I), s30 = IntVector.zero(I), s31 = IntVector.zero(I);
                for (int p = 0; p < 16; p++) {
                    long qo = o + SCALE_BYTES + (long) R * 2 * p + (long) SL * part;
                    ShortVector q0 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q1 = (ShortVector) ByteVector.fromMemorySegment(B, data, qo + R, LE).convertShape(VectorOperators.B2S, S, 0);
                    int c = 32 * b + 2 * p;
                    ShortVector p0 = q0.mul(a.q[x0 + c]).add(q1.mul(a.q[x0 + c + 1]));
                    ShortVector p1 = q0.mul(a.q[x1 + c]).add(q1.mul(a.q[x1 + c + 1]));
                    ShortVector p2 = q0.mul(a.q[x2 + c]).add(q1.mul(a.q[x2 + c + 1]));
                    ShortVector p3 = q0.mul(a.q[x3 + c]).add(q1.mul(a.q[x3 + c + 1]));
                    s00 = s00.add(p0.convertShape(VectorOperators.S2I, I, 0));
                    s01 = s01.add(p0.convertShape(VectorOperators.S2I, I, 1));
                    s10 = s10.add(p1.convertShape(VectorOperators.S2I, I, 0));
                    s11 = s11.add(p1.convertShape(VectorOperators.S2I, I, 1));
                    s20 = s20.add(p2.convertShape(VectorOperators.S2I, I, 0));
                    s21 = s21.add(p2.convertShape(VectorOperators.S2I, I, 1));
                    s30 = s30.add(p3.convertShape(VectorOperators.S2I, I, 0));
                    s31 = s31.add(p3.convertShape(VectorOperators.S2I, I, 1));
                }
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                int xb = t * nb + b;
                float d0 = a.d[xb], d1 = a.d[xb + nb], d2 = a.d[xb + 2 * nb], d3 = a.d[xb + last * nb];
                y00 = ((FloatVector) s00.convert(VectorOperators.I2F, 0)).fma(w0.mul(d0), y00);
                y01 = ((FloatVector) s01.convert(VectorOperators.I2F, 0)).fma(w1.mul(d0), y01);
                y10 = ((FloatVector) s10.convert(VectorOperators.I2F, 0)).fma(w0.mul(d1), y10);
                y11 = ((FloatVector) s11.convert(VectorOperators.I2F, 0)).fma(w1.mul(d1), y11);
                y20 = ((FloatVector) s20.convert(VectorOperators.I2F, 0)).fma(w0.mul(d2), y20);
                y21 = ((FloatVector) s21.convert(VectorOperators.I2F, 0)).fma(w1.mul(d2), y21);
                y30 = ((FloatVector) s30.convert(VectorOperators.I2F, 0)).fma(w0.mul(d3), y30);
                y31 = ((FloatVector) s31.convert(VectorOperators.I2F, 0)).fma(w1.mul(d3), y31);
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code q·d}, as {@link #row}. One flat loop over columns. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int c = c0; c < c1; c++) {
                long o = base + (long) (c >> 5) * GROUP_BLOCK_BYTES;
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, o + SCALE_BYTES + (long) R * (c & 31) + (long) SL * part, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                int at = (c - c0) * R + SL * part;
                ((FloatVector) q.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).mul(w0).intoArray(panel, at);
                ((FloatVector) q.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).mul(w1).intoArray(panel, at + SL / 2);
            }
        }
    }

    /** Row {@code row}'s values: {@code q·d}, as {@link Q8_0Matrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int b = 0; b < nb; b++) {
            long o = offset(g) + (long) b * GROUP_BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(Blocks.LE_SHORT, o + 2L * k));
            for (int c = 0; c < 32; c++) {
                dst[off + 32 * b + c] = data.get(ValueLayout.JAVA_BYTE, o + SCALE_BYTES + (long) R * c + k) * d;
            }
        }
    }
}
