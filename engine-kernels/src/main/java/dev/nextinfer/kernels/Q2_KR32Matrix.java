package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q2_K weights repacked for the integer kernel with rows in lanes, as {@link Q4_KR32Matrix} does for Q4_K (read that
 * first). Q2_K's value is {@code dl·q − ml} with {@code q} in {@code 0..3}, {@code dl = d·sc} and {@code ml = dmin·m}
 * per sub-block of 16 ({@link Q2_KMatrix}), so per sub-block {@code Σ (dl·q − ml)·x ≈ (d·dx)·(sc·Σ q·x_q) −
 * ml·dx·Σ x_q}: the inner sum and its product with the 4-bit {@code sc} in integers (exact), then two FMAs per 32
 * rows; {@code Σ x_q} over 16 columns comes with the activations ({@link Int8Activations#half}).
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and super-block of 256 columns, 2816
 * bytes: the 32 rows' {@code d} and {@code dmin} as f32 (256 bytes), then per sub-block {@code j} of 16 columns the
 * rows' scale bytes as ggml stores them ({@code sc} in the low nibble, {@code m} in the high one; 32 bytes) followed
 * by its 4 column quads of 32 bytes, byte {@code k} holding row {@code k}'s 4 quants in bits {@code 2i, 2i + 1}.
 * 2.75 bits per weight (Q2_K: 2.625), in the order the kernel reads it.
 */
public final class Q2_KR32Matrix extends RowLaneMatrix {
    private static final int D = 0;
    private static final int DMIN = 4 * R;
    private static final int HEAD = 8 * R;
    /** Bytes per sub-block of 16 columns: its scale bytes, its 4 column quads. */
    private static final int SUB = R + 4 * R;
    private static final int SM = HEAD;
    private static final int QS = HEAD + R;
    /** Bytes per group and super-block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 16 * SUB;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q2_K matrices), its size. */
    static final Layout<Q2_KR32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q2_K, Q2_KMatrix.class,
            KBlocks.QK_K, Q2_KMatrix.BLOCK_BYTES, GROUP_BLOCK_BYTES, Q2_KR32Matrix::put, Q2_KR32Matrix::new);

    /** Super-blocks per row. */
    private final int nb;

    private Q2_KR32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / KBlocks.QK_K) * GROUP_BLOCK_BYTES);
        this.nb = cols / KBlocks.QK_K;
    }

    /** Row {@code k}'s super-block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + D + 4 * k, f16Bits(blk, bo + 80));
        putFloatBits(buf, o + DMIN + 4 * k, f16Bits(blk, bo + 82));
        for (int j = 0; j < 16; j++) {
            buf[o + SM + SUB * j + k] = blk[bo + j];
            for (int c = 0; c < 4; c++) {
                int bits = 0;
                for (int i = 0; i < 4; i++) {
                    bits |= quant(blk, bo, 16 * j + 4 * c + i) << 2 * i;
                }
                buf[o + QS + SUB * j + R * c + k] = (byte) bits;
            }
        }
    }

    /** Value {@code l}'s 2-bit quant: bits {@code 2t, 2t + 1} of {@code qs[32h + i]} for {@code l = 128h + 32t + i}. */
    private static int quant(byte[] blk, int bo, int l) {
        return (blk[bo + 16 + 32 * (l >> 7) + (l & 31)] >>> 2 * ((l >> 5) & 3)) & 3;
    }

    /** Q2_K: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q2_K;
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for the group's 32 rows. */
    @Override
    void group(int g, Int8Activations a, int t, float[] out, int off) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        int xq = t * cols;
        int xb = t * (cols / Int8Activations.QK);
        int xh = t * (cols / 16);
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks of 16, as Q4_KR32Matrix over its 32s
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 15) + (long) SL * part;
                ShortVector acc = ShortVector.zero(S);
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * c, LE).convertShape(VectorOperators.B2S, S, 0);
                    int x = xq + 16 * w + 4 * c;
                    acc = acc.add(q.and((short) 3).mul(a.q[x]))
                            .add(q.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(a.q[x + 1]))
                            .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(a.q[x + 2]))
                            .add(q.lanewise(VectorOperators.LSHR, 6).and((short) 3).mul(a.q[x + 3]));
                }
                ByteVector sm = ByteVector.fromMemorySegment(B, data, so + SM, LE);
                IntVector sm0 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sm1 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                // sc·Σ q·x_q in integers (|·| < 2¹⁷: exact in f32)
                IntVector s0 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0)).mul(sm0.and(15));
                IntVector s1 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1)).mul(sm1.and(15));
                float dx = a.d[xb + (w >> 1)];
                FloatVector minus = FloatVector.broadcast(F, -(dx * a.half[xh + w]));
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                // ml = dmin·m, rounded to f32 as ggml rounds it
                FloatVector n0 = m0.mul((FloatVector) sm0.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) sm1.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(d0.mul(dx), y0);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx), y1);
                y0 = n0.fma(minus, y0);
                y1 = n1.fma(minus, y1);
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
        int xb = t * (cols / Int8Activations.QK);
        int xh = t * (cols / 16);
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y0B = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            FloatVector y1B = FloatVector.zero(F);
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks of 16, as Q4_KR32Matrix over its 32s
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 15) + (long) SL * part;
                long soB = oB + (long) SUB * (w & 15) + (long) SL * part;
                ShortVector acc = ShortVector.zero(S);
                ShortVector accB = ShortVector.zero(S);
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * c, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector qB = (ShortVector) ByteVector.fromMemorySegment(B, dataB, soB + QS + R * c, LE).convertShape(VectorOperators.B2S, S, 0);
                    int x = xq + 16 * w + 4 * c;
                    acc = acc.add(q.and((short) 3).mul(a.q[x]))
                            .add(q.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(a.q[x + 1]))
                            .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(a.q[x + 2]))
                            .add(q.lanewise(VectorOperators.LSHR, 6).and((short) 3).mul(a.q[x + 3]));
                    accB = accB.add(qB.and((short) 3).mul(a.q[x]))
                            .add(qB.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(a.q[x + 1]))
                            .add(qB.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(a.q[x + 2]))
                            .add(qB.lanewise(VectorOperators.LSHR, 6).and((short) 3).mul(a.q[x + 3]));
                }
                ByteVector sm = ByteVector.fromMemorySegment(B, data, so + SM, LE);
                ByteVector smB = ByteVector.fromMemorySegment(B, dataB, soB + SM, LE);
                IntVector sm0 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sm0B = (IntVector) ((ShortVector) smB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sm1 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                IntVector sm1B = (IntVector) ((ShortVector) smB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                // sc·Σ q·x_q in integers (|·| < 2¹⁷: exact in f32)
                IntVector s0 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0)).mul(sm0.and(15));
                IntVector s0B = ((IntVector) accB.convertShape(VectorOperators.S2I, I, 0)).mul(sm0B.and(15));
                IntVector s1 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1)).mul(sm1.and(15));
                IntVector s1B = ((IntVector) accB.convertShape(VectorOperators.S2I, I, 1)).mul(sm1B.and(15));
                float dx = a.d[xb + (w >> 1)];
                FloatVector minus = FloatVector.broadcast(F, -(dx * a.half[xh + w]));
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d0B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector d1B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m0B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                FloatVector m1B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part + 2L * SL, LE);
                // ml = dmin·m, rounded to f32 as ggml rounds it
                FloatVector n0 = m0.mul((FloatVector) sm0.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n0B = m0B.mul((FloatVector) sm0B.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) sm1.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n1B = m1B.mul((FloatVector) sm1B.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(d0.mul(dx), y0);
                y0B = ((FloatVector) s0B.convert(VectorOperators.I2F, 0)).fma(d0B.mul(dx), y0B);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx), y1);
                y1B = ((FloatVector) s1B.convert(VectorOperators.I2F, 0)).fma(d1B.mul(dx), y1B);
                y0 = n0.fma(minus, y0);
                y0B = n0B.fma(minus, y0B);
                y1 = n1.fma(minus, y1);
                y1B = n1B.fma(minus, y1B);
            }
            y0.intoArray(out, off + SL * part);
            y0B.intoArray(out, offB + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
            y1B.intoArray(out, offB + SL * part + SL / 2);
        }
    }

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column quad loaded and unpacked once. */
    @Override
    void group2(int g, Int8Activations a, int t, int u, float[] out, int offT, int offU) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        int xt = t * cols;
        int xu = u * cols;
        int nbx = cols / Int8Activations.QK;
        int nh = cols / 16;
        for (int part = 0; part < PARTS; part++) {
            FloatVector yt0 = FloatVector.zero(F);
            FloatVector yt1 = FloatVector.zero(F);
            FloatVector yu0 = FloatVector.zero(F);
            FloatVector yu1 = FloatVector.zero(F);
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks, as group
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 15) + (long) SL * part;
                ShortVector accT = ShortVector.zero(S);
                ShortVector accU = ShortVector.zero(S);
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * c, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q0 = q.and((short) 3);
                    ShortVector q1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3);
                    ShortVector q2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3);
                    ShortVector q3 = q.lanewise(VectorOperators.LSHR, 6).and((short) 3);
                    int x = 16 * w + 4 * c;
                    accT = accT.add(q0.mul(a.q[xt + x])).add(q1.mul(a.q[xt + x + 1])).add(q2.mul(a.q[xt + x + 2])).add(q3.mul(a.q[xt + x + 3]));
                    accU = accU.add(q0.mul(a.q[xu + x])).add(q1.mul(a.q[xu + x + 1])).add(q2.mul(a.q[xu + x + 2])).add(q3.mul(a.q[xu + x + 3]));
                }
                ByteVector sm = ByteVector.fromMemorySegment(B, data, so + SM, LE);
                IntVector sm0 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sm1 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                IntVector sc0 = sm0.and(15);
                IntVector sc1 = sm1.and(15);
                IntVector st0 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 0)).mul(sc0);
                IntVector st1 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 1)).mul(sc1);
                IntVector su0 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 0)).mul(sc0);
                IntVector su1 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 1)).mul(sc1);
                float dt = a.d[t * nbx + (w >> 1)];
                float du = a.d[u * nbx + (w >> 1)];
                FloatVector minusT = FloatVector.broadcast(F, -(dt * a.half[t * nh + w]));
                FloatVector minusU = FloatVector.broadcast(F, -(du * a.half[u * nh + w]));
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                FloatVector n0 = m0.mul((FloatVector) sm0.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) sm1.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(d0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(d1.mul(dt), yt1);
                yt0 = n0.fma(minusT, yt0);
                yt1 = n1.fma(minusT, yt1);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(d0.mul(du), yu0);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(d1.mul(du), yu1);
                yu0 = n0.fma(minusU, yu0);
                yu1 = n1.fma(minusU, yu1);
            }
            yt0.intoArray(out, offT + SL * part);
            yt1.intoArray(out, offT + SL * part + SL / 2);
            yu0.intoArray(out, offU + SL * part);
            yu1.intoArray(out, offU + SL * part + SL / 2);
        }
    }

    /** Up to 12 rows the integer kernel beats the f32 panel product here (measured, see {@link RowLaneMatrix#integerRows}). */
    @Override
    int integerRows() {
        return 12;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}):
     * each column quad loaded and unpacked once for four tokens; the same integers and f32 operations as
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
        int nbx = cols / Int8Activations.QK;
        int nh = cols / 16;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y00 = FloatVector.zero(F), y01 = FloatVector.zero(F);
            FloatVector y10 = FloatVector.zero(F), y11 = FloatVector.zero(F);
            FloatVector y20 = FloatVector.zero(F), y21 = FloatVector.zero(F);
            FloatVector y30 = FloatVector.zero(F), y31 = FloatVector.zero(F);
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks, as group
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 15) + (long) SL * part;
                ShortVector c0 = ShortVector.zero(S), c1 = ShortVector.zero(S), c2 = ShortVector.zero(S), c3 = ShortVector.zero(S);
                for (int c = 0; c < 4; c++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * c, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector q0 = q.and((short) 3);
                    ShortVector q1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3);
                    ShortVector q2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3);
                    ShortVector q3 = q.lanewise(VectorOperators.LSHR, 6).and((short) 3);
                    int x = 16 * w + 4 * c;
                    c0 = c0.add(q0.mul(a.q[x0 + x])).add(q1.mul(a.q[x0 + x + 1])).add(q2.mul(a.q[x0 + x + 2])).add(q3.mul(a.q[x0 + x + 3]));
                    c1 = c1.add(q0.mul(a.q[x1 + x])).add(q1.mul(a.q[x1 + x + 1])).add(q2.mul(a.q[x1 + x + 2])).add(q3.mul(a.q[x1 + x + 3]));
                    c2 = c2.add(q0.mul(a.q[x2 + x])).add(q1.mul(a.q[x2 + x + 1])).add(q2.mul(a.q[x2 + x + 2])).add(q3.mul(a.q[x2 + x + 3]));
                    c3 = c3.add(q0.mul(a.q[x3 + x])).add(q1.mul(a.q[x3 + x + 1])).add(q2.mul(a.q[x3 + x + 2])).add(q3.mul(a.q[x3 + x + 3]));
                }
                ByteVector sm = ByteVector.fromMemorySegment(B, data, so + SM, LE);
                IntVector sm0 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sm1 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                IntVector sc0 = sm0.and(15);
                IntVector sc1 = sm1.and(15);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                FloatVector n0 = m0.mul((FloatVector) sm0.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) sm1.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                int xb = t * nbx + (w >> 1);
                int hb = t * nh + w;
                float dx0 = a.d[xb], dx1 = a.d[xb + nbx], dx2 = a.d[xb + 2 * nbx], dx3 = a.d[xb + last * nbx];
                int h0 = a.half[hb], h1 = a.half[hb + nh], h2 = a.half[hb + 2 * nh], h3 = a.half[hb + last * nh];
                y00 = ((FloatVector) ((IntVector) c0.convertShape(VectorOperators.S2I, I, 0)).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), y00);
                y01 = ((FloatVector) ((IntVector) c0.convertShape(VectorOperators.S2I, I, 1)).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), y01);
                y00 = n0.fma(FloatVector.broadcast(F, -(dx0 * h0)), y00);
                y01 = n1.fma(FloatVector.broadcast(F, -(dx0 * h0)), y01);
                y10 = ((FloatVector) ((IntVector) c1.convertShape(VectorOperators.S2I, I, 0)).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), y10);
                y11 = ((FloatVector) ((IntVector) c1.convertShape(VectorOperators.S2I, I, 1)).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), y11);
                y10 = n0.fma(FloatVector.broadcast(F, -(dx1 * h1)), y10);
                y11 = n1.fma(FloatVector.broadcast(F, -(dx1 * h1)), y11);
                y20 = ((FloatVector) ((IntVector) c2.convertShape(VectorOperators.S2I, I, 0)).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), y20);
                y21 = ((FloatVector) ((IntVector) c2.convertShape(VectorOperators.S2I, I, 1)).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), y21);
                y20 = n0.fma(FloatVector.broadcast(F, -(dx2 * h2)), y20);
                y21 = n1.fma(FloatVector.broadcast(F, -(dx2 * h2)), y21);
                y30 = ((FloatVector) ((IntVector) c3.convertShape(VectorOperators.S2I, I, 0)).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), y30);
                y31 = ((FloatVector) ((IntVector) c3.convertShape(VectorOperators.S2I, I, 1)).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), y31);
                y30 = n0.fma(FloatVector.broadcast(F, -(dx3 * h3)), y30);
                y31 = n1.fma(FloatVector.broadcast(F, -(dx3 * h3)), y31);
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code dl·q − ml}, as {@link #row}. One flat loop over column quads. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 4; u < c1 / 4; u++) {
                long o = base + (long) (u >> 6) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * ((u >> 2) & 15) + (long) SL * part;
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sm = ByteVector.fromMemorySegment(B, data, so + SM, LE);
                IntVector sm0 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sm1 = (IntVector) ((ShortVector) sm.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                FloatVector e0 = d0.mul((FloatVector) sm0.and(15).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) sm1.and(15).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) sm0.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) sm1.lanewise(VectorOperators.LSHR, 4).and(15).convert(VectorOperators.I2F, 0));
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + (long) R * (u & 3), LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                for (int i = 0; i < 4; i++) {
                    ShortVector v = q.lanewise(VectorOperators.LSHR, 2 * i).and((short) 3);
                    int at = (4 * u + i - c0) * R + SL * part;
                    e0.mul((FloatVector) v.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).sub(n0).intoArray(panel, at);
                    e1.mul((FloatVector) v.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).sub(n1).intoArray(panel, at + SL / 2);
                }
            }
        }
    }

    /** Row {@code row}'s values: {@code dl·q − ml}, as {@link Q2_KMatrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int sb = 0; sb < nb; sb++) {
            long o = offset(g) + (long) sb * GROUP_BLOCK_BYTES;
            float d = data.get(LE_FLOAT, o + D + 4L * k);
            float dmin = data.get(LE_FLOAT, o + DMIN + 4L * k);
            for (int j = 0; j < 16; j++) {
                long so = o + (long) SUB * j + k;
                int sm = data.get(ValueLayout.JAVA_BYTE, so + SM) & 0xFF;
                float dl = d * (sm & 15);
                float ml = dmin * (sm >>> 4);
                for (int c = 0; c < 4; c++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, so + QS + (long) R * c) & 0xFF;
                    for (int i = 0; i < 4; i++) {
                        dst[off + 256 * sb + 16 * j + 4 * c + i] = dl * ((v >>> 2 * i) & 3) - ml;
                    }
                }
            }
        }
    }
}
