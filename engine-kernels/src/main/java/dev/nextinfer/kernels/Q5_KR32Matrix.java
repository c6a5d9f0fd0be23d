package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_K weights repacked for the integer kernel with rows in lanes, as {@link Q4_KR32Matrix} does for Q4_K (read that
 * first): Q5_K is Q4_K with a fifth bit per value ({@link Q5_KMatrix}), {@code q = nibble + 16·bit} in {@code 0..31},
 * the same {@code d1·q − m1} per sub-block of 32, so the same two FMAs per sub-block and 32 rows after the integer
 * sums. The same values as the source ({@link #row} bit for bit).
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and super-block of 256 columns, 5888
 * bytes: the 32 rows' {@code d} and {@code dmin} as f32 (256 bytes), then per sub-block {@code j} its scales and
 * minimums (32 bytes each, as in {@link Q4_KR32Matrix}) and 4 runs of 8 columns. A run is the rows' fifth bits (32
 * bytes: row {@code k}'s byte holds column {@code 2p}'s bit in bit {@code p} and column {@code 2p + 1}'s in bit
 * {@code 4 + p}, {@code p < 4} the run's column pairs) followed by its 4 column pairs of 32 bytes (nibbles as in
 * {@link Q4_KR32Matrix}): everything in the order the kernel reads it. 5.75 bits per weight (Q5_K: 5.5).
 *
 * <p>Per column pair the fifth bits cost a shift, a mask and an OR for each of the two columns on top of Q4_K's
 * unpacking. The int16 sums hold one run (8 columns: {@code 8·31·127 < 2¹⁵}) before they are widened to int32.
 */
public final class Q5_KR32Matrix extends RowLaneMatrix {
    private static final int D = 0;
    private static final int DMIN = 4 * R;
    private static final int HEAD = 8 * R;
    /** Bytes per run of 8 columns: the rows' fifth bits, then 4 column pairs. */
    private static final int RUN = R + 4 * R;
    /** Bytes per sub-block: its scales, its minimums, its 4 runs. */
    private static final int SUB = 2 * R + 4 * RUN;
    private static final int SC = HEAD;
    private static final int MIN = HEAD + R;
    private static final int QH = HEAD + 2 * R;
    private static final int QS = QH + R;
    /** Bytes per group and super-block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q5_K matrices), its size. */
    static final Layout<Q5_KR32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q5_K, Q5_KMatrix.class,
            KBlocks.QK_K, Q5_KMatrix.BLOCK_BYTES, GROUP_BLOCK_BYTES, Q5_KR32Matrix::put, Q5_KR32Matrix::new);

    /** Super-blocks per row. */
    private final int nb;

    private Q5_KR32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / KBlocks.QK_K) * GROUP_BLOCK_BYTES);
        this.nb = cols / KBlocks.QK_K;
    }

    /** Row {@code k}'s super-block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + D + 4 * k, f16Bits(blk, bo));
        putFloatBits(buf, o + DMIN + 4 * k, f16Bits(blk, bo + 2));
        for (int j = 0; j < 8; j++) {
            // the 12 scale bytes sit where Q4_K has them
            buf[o + SC + SUB * j + k] = (byte) Q4_KR32Matrix.scaleMin(blk, bo, j, false);
            buf[o + MIN + SUB * j + k] = (byte) Q4_KR32Matrix.scaleMin(blk, bo, j, true);
            for (int e = 0; e < 4; e++) {
                int bits = 0;
                for (int p = 0; p < 4; p++) {
                    int l = 8 * e + 2 * p;
                    buf[o + QS + SUB * j + RUN * e + R * p + k] = (byte) (nibble(blk, bo, j, l) | nibble(blk, bo, j, l + 1) << 4);
                    bits |= fifth(blk, bo, j, l) << p | fifth(blk, bo, j, l + 1) << (4 + p);
                }
                buf[o + QH + SUB * j + RUN * e + k] = (byte) bits;
            }
        }
    }

    /** The low 4 bits of value {@code l} of sub-block {@code j}: as Q4_K's quants, 32 bytes further on. */
    private static int nibble(byte[] blk, int bo, int j, int l) {
        int v = blk[bo + 48 + 32 * (j >> 1) + l] & 0xFF;
        return (j & 1) == 0 ? v & 15 : v >>> 4;
    }

    /** The fifth bit of value {@code l} of sub-block {@code j}: bit {@code j} of {@code qh[l]}. */
    private static int fifth(byte[] blk, int bo, int j, int l) {
        return (blk[bo + 16 + l] >>> j) & 1;
    }

    /** Q5_K: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q5_K;
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for the group's 32 rows. */
    @Override
    void group(int g, Int8Activations a, int t, float[] out, int off) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        int xq = t * cols;
        int xb = t * (cols / Int8Activations.QK);
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            for (int u = 0; u < 8 * nb; u++) { // flat over sub-blocks, as Q4_KR32Matrix
                long o = base + (long) (u >> 3) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (u & 7) + (long) SL * part;
                IntVector s0 = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                for (int e = 0; e < 4; e++) {
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QH + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector acc = ShortVector.zero(S);
                    for (int p = 0; p < 4; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * e + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        // bit p of hb to bit 4 for column 2p, bit 4 + p for column 2p + 1
                        ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        int c = xq + 32 * u + 8 * e + 2 * p;
                        acc = acc.add(lo.mul(a.q[c])).add(hi.mul(a.q[c + 1]));
                    }
                    s0 = s0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                }
                int xblk = xb + u;
                float dx = a.d[xblk];
                FloatVector minus = FloatVector.broadcast(F, -(dx * a.sum[xblk]));
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, so + MIN, LE);
                // d1 = d·sc and m1 = dmin·m, rounded to f32 as ggml rounds them (the 6-bit bytes are ≥ 0)
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx), y0);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx), y1);
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
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y0B = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            FloatVector y1B = FloatVector.zero(F);
            for (int u = 0; u < 8 * nb; u++) { // flat over sub-blocks, as Q4_KR32Matrix
                long o = base + (long) (u >> 3) * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) (u >> 3) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (u & 7) + (long) SL * part;
                long soB = oB + (long) SUB * (u & 7) + (long) SL * part;
                IntVector s0 = IntVector.zero(I);
                IntVector s0B = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                IntVector s1B = IntVector.zero(I);
                for (int e = 0; e < 4; e++) {
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QH + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector hbB = (ShortVector) ByteVector.fromMemorySegment(B, dataB, soB + QH + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector acc = ShortVector.zero(S);
                    ShortVector accB = ShortVector.zero(S);
                    for (int p = 0; p < 4; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * e + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        ShortVector qB = (ShortVector) ByteVector.fromMemorySegment(B, dataB, soB + QS + RUN * e + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        // bit p of hb to bit 4 for column 2p, bit 4 + p for column 2p + 1
                        ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector loB = qB.and((short) 15).or(hbB.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        ShortVector hiB = qB.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hbB.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        int c = xq + 32 * u + 8 * e + 2 * p;
                        acc = acc.add(lo.mul(a.q[c])).add(hi.mul(a.q[c + 1]));
                        accB = accB.add(loB.mul(a.q[c])).add(hiB.mul(a.q[c + 1]));
                    }
                    s0 = s0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    s0B = s0B.add(accB.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                    s1B = s1B.add(accB.convertShape(VectorOperators.S2I, I, 1));
                }
                int xblk = xb + u;
                float dx = a.d[xblk];
                FloatVector minus = FloatVector.broadcast(F, -(dx * a.sum[xblk]));
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d0B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector d1B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m0B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                FloatVector m1B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                ByteVector scB = ByteVector.fromMemorySegment(B, dataB, soB + SC, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, so + MIN, LE);
                ByteVector mnB = ByteVector.fromMemorySegment(B, dataB, soB + MIN, LE);
                // d1 = d·sc and m1 = dmin·m, rounded to f32 as ggml rounds them (the 6-bit bytes are ≥ 0)
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e0B = d0B.mul((FloatVector) ((ShortVector) scB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector e1B = d1B.mul((FloatVector) ((ShortVector) scB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n0B = m0B.mul((FloatVector) ((ShortVector) mnB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n1B = m1B.mul((FloatVector) ((ShortVector) mnB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx), y0);
                y0B = ((FloatVector) s0B.convert(VectorOperators.I2F, 0)).fma(e0B.mul(dx), y0B);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx), y1);
                y1B = ((FloatVector) s1B.convert(VectorOperators.I2F, 0)).fma(e1B.mul(dx), y1B);
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

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column pair loaded and unpacked once. */
    @Override
    void group2(int g, Int8Activations a, int t, int u, float[] out, int offT, int offU) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        int xt = t * cols;
        int xu = u * cols;
        int nbx = cols / Int8Activations.QK;
        for (int part = 0; part < PARTS; part++) {
            FloatVector yt0 = FloatVector.zero(F);
            FloatVector yt1 = FloatVector.zero(F);
            FloatVector yu0 = FloatVector.zero(F);
            FloatVector yu1 = FloatVector.zero(F);
            for (int w = 0; w < 8 * nb; w++) { // flat over sub-blocks, as group
                long o = base + (long) (w >> 3) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 7) + (long) SL * part;
                IntVector st0 = IntVector.zero(I);
                IntVector st1 = IntVector.zero(I);
                IntVector su0 = IntVector.zero(I);
                IntVector su1 = IntVector.zero(I);
                for (int e = 0; e < 4; e++) {
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QH + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector accT = ShortVector.zero(S);
                    ShortVector accU = ShortVector.zero(S);
                    for (int p = 0; p < 4; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * e + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        int c = 32 * w + 8 * e + 2 * p;
                        accT = accT.add(lo.mul(a.q[xt + c])).add(hi.mul(a.q[xt + c + 1]));
                        accU = accU.add(lo.mul(a.q[xu + c])).add(hi.mul(a.q[xu + c + 1]));
                    }
                    st0 = st0.add(accT.convertShape(VectorOperators.S2I, I, 0));
                    st1 = st1.add(accT.convertShape(VectorOperators.S2I, I, 1));
                    su0 = su0.add(accU.convertShape(VectorOperators.S2I, I, 0));
                    su1 = su1.add(accU.convertShape(VectorOperators.S2I, I, 1));
                }
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, so + MIN, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                int bt = t * nbx + w;
                int bu = u * nbx + w;
                float dt = a.d[bt];
                float du = a.d[bu];
                FloatVector minusT = FloatVector.broadcast(F, -(dt * a.sum[bt]));
                FloatVector minusU = FloatVector.broadcast(F, -(du * a.sum[bu]));
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(e0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(e1.mul(dt), yt1);
                yt0 = n0.fma(minusT, yt0);
                yt1 = n1.fma(minusT, yt1);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(e0.mul(du), yu0);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(e1.mul(du), yu1);
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

    /** The four-row kernel with a row repeated is cheaper than a pair and a single row here (measured). */
    @Override
    boolean fourRowsForThree() {
        return true;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}):
     * each column pair loaded and its five bits assembled once for four tokens; the same integers and f32 operations
     * as {@link #group}, in its order.
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
        for (int part = 0; part < PARTS; part++) {
            FloatVector y00 = FloatVector.zero(F), y01 = FloatVector.zero(F);
            FloatVector y10 = FloatVector.zero(F), y11 = FloatVector.zero(F);
            FloatVector y20 = FloatVector.zero(F), y21 = FloatVector.zero(F);
            FloatVector y30 = FloatVector.zero(F), y31 = FloatVector.zero(F);
            for (int w = 0; w < 8 * nb; w++) { // flat over sub-blocks, as group
                long o = base + (long) (w >> 3) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 7) + (long) SL * part;
                IntVector s00 = IntVector.zero(I), s01 = IntVector.zero(I), s10 = IntVector.zero(I), s11 = IntVector.zero(I);
                IntVector s20 = IntVector.zero(I), s21 = IntVector.zero(I), s30 = IntVector.zero(I), s31 = IntVector.zero(I);
                for (int e = 0; e < 4; e++) {
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QH + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector c0 = ShortVector.zero(S), c1 = ShortVector.zero(S), c2 = ShortVector.zero(S), c3 = ShortVector.zero(S);
                    for (int p = 0; p < 4; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * e + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        int c = 32 * w + 8 * e + 2 * p;
                        c0 = c0.add(lo.mul(a.q[x0 + c])).add(hi.mul(a.q[x0 + c + 1]));
                        c1 = c1.add(lo.mul(a.q[x1 + c])).add(hi.mul(a.q[x1 + c + 1]));
                        c2 = c2.add(lo.mul(a.q[x2 + c])).add(hi.mul(a.q[x2 + c + 1]));
                        c3 = c3.add(lo.mul(a.q[x3 + c])).add(hi.mul(a.q[x3 + c + 1]));
                    }
                    s00 = s00.add(c0.convertShape(VectorOperators.S2I, I, 0));
                    s01 = s01.add(c0.convertShape(VectorOperators.S2I, I, 1));
                    s10 = s10.add(c1.convertShape(VectorOperators.S2I, I, 0));
                    s11 = s11.add(c1.convertShape(VectorOperators.S2I, I, 1));
                    s20 = s20.add(c2.convertShape(VectorOperators.S2I, I, 0));
                    s21 = s21.add(c2.convertShape(VectorOperators.S2I, I, 1));
                    s30 = s30.add(c3.convertShape(VectorOperators.S2I, I, 0));
                    s31 = s31.add(c3.convertShape(VectorOperators.S2I, I, 1));
                }
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, so + MIN, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                int b0 = t * nbx + w;
                int b1 = b0 + nbx;
                int b2 = b1 + nbx;
                int b3 = b0 + last * nbx;
                float dx0 = a.d[b0], dx1 = a.d[b1], dx2 = a.d[b2], dx3 = a.d[b3];
                y00 = ((FloatVector) s00.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx0), y00);
                y01 = ((FloatVector) s01.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx0), y01);
                y00 = n0.fma(FloatVector.broadcast(F, -(dx0 * a.sum[b0])), y00);
                y01 = n1.fma(FloatVector.broadcast(F, -(dx0 * a.sum[b0])), y01);
                y10 = ((FloatVector) s10.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx1), y10);
                y11 = ((FloatVector) s11.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx1), y11);
                y10 = n0.fma(FloatVector.broadcast(F, -(dx1 * a.sum[b1])), y10);
                y11 = n1.fma(FloatVector.broadcast(F, -(dx1 * a.sum[b1])), y11);
                y20 = ((FloatVector) s20.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx2), y20);
                y21 = ((FloatVector) s21.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx2), y21);
                y20 = n0.fma(FloatVector.broadcast(F, -(dx2 * a.sum[b2])), y20);
                y21 = n1.fma(FloatVector.broadcast(F, -(dx2 * a.sum[b2])), y21);
                y30 = ((FloatVector) s30.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx3), y30);
                y31 = ((FloatVector) s31.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx3), y31);
                y30 = n0.fma(FloatVector.broadcast(F, -(dx3 * a.sum[b3])), y30);
                y31 = n1.fma(FloatVector.broadcast(F, -(dx3 * a.sum[b3])), y31);
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code d1·q − m1}, as {@link #row}. One flat loop over column pairs. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 2; u < c1 / 2; u++) {
                long o = base + (long) (u >> 7) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * ((u >> 4) & 7) + (long) SL * part;
                long ro = so + (long) RUN * ((u >> 2) & 3);
                int p = u & 3;
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, so + MIN, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + QH, LE).convertShape(VectorOperators.B2S, S, 0);
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + QS + (long) R * p, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                int at = (2 * u - c0) * R + SL * part;
                e0.mul((FloatVector) lo.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).sub(n0).intoArray(panel, at);
                e1.mul((FloatVector) lo.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).sub(n1).intoArray(panel, at + SL / 2);
                e0.mul((FloatVector) hi.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).sub(n0).intoArray(panel, at + R);
                e1.mul((FloatVector) hi.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).sub(n1).intoArray(panel, at + R + SL / 2);
            }
        }
    }

    /** Row {@code row}'s values: {@code d1·q − m1}, as {@link Q5_KMatrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int sb = 0; sb < nb; sb++) {
            long o = offset(g) + (long) sb * GROUP_BLOCK_BYTES;
            float d = data.get(LE_FLOAT, o + D + 4L * k);
            float dmin = data.get(LE_FLOAT, o + DMIN + 4L * k);
            for (int j = 0; j < 8; j++) {
                long so = o + (long) SUB * j + k;
                float d1 = d * (data.get(ValueLayout.JAVA_BYTE, so + SC) & 0xFF);
                float m1 = dmin * (data.get(ValueLayout.JAVA_BYTE, so + MIN) & 0xFF);
                for (int e = 0; e < 4; e++) {
                    int bits = data.get(ValueLayout.JAVA_BYTE, so + QH + (long) RUN * e) & 0xFF;
                    for (int p = 0; p < 4; p++) {
                        int v = data.get(ValueLayout.JAVA_BYTE, so + QS + (long) RUN * e + (long) R * p) & 0xFF;
                        int y = off + 256 * sb + 32 * j + 8 * e + 2 * p;
                        dst[y] = d1 * ((v & 15) | ((bits >>> p) & 1) << 4) - m1;
                        dst[y + 1] = d1 * ((v >>> 4) | ((bits >>> (4 + p)) & 1) << 4) - m1;
                    }
                }
            }
        }
    }
}
