package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * IQ4_XS weights repacked for the integer kernel with rows in lanes, as {@link Q4_0R32Matrix} does for Q4_0 (read
 * that first). IQ4_XS's value is {@code dl·kvalues[q]} with ggml's non-linear 16-entry table ({@code −127 … 113}) and
 * {@code dl = d·(ls − 32)} per sub-block of 32 ({@link IQ4_XSMatrix}), so per sub-block
 * {@code Σ w·x ≈ (dl·dx)·Σ kvalues[q]·x_q}: the nibbles are looked up in the table held in int16 lanes (a
 * two-vector {@code selectFrom}, a permute instruction), the products summed in integers, one FMA per 32 rows.
 * Table values reach 127, so an int16 sum holds just one column pair ({@code 2·127·127 < 2¹⁵}) before it is widened
 * to int32: two more operations per pair than Q4_0's kernel, whose sums hold 16 columns.
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and super-block of 256 columns, 4480
 * bytes: the 32 rows' {@code d} as f32 (128 bytes), then per sub-block {@code j} of 32 columns the rows'
 * {@code ls − 32} as signed bytes (32 bytes) followed by its 16 column pairs of 32 bytes (row {@code k}'s two
 * nibbles, as in {@link Q4_0R32Matrix}). 4.375 bits per weight (IQ4_XS: 4.25), in the order the kernel reads it.
 */
public final class IQ4_XSR32Matrix extends RowLaneMatrix {
    private static final int D = 0;
    private static final int HEAD = 4 * R;
    /** Bytes per sub-block: its scales, its 16 column pairs. */
    private static final int SUB = R + 16 * R;
    private static final int LS = HEAD;
    private static final int QS = HEAD + R;
    /** Bytes per group and super-block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for IQ4_XS matrices), its size. */
    static final Layout<IQ4_XSR32Matrix> LAYOUT = new Layout<>(MatrixFormat.IQ4_XS, IQ4_XSMatrix.class,
            KBlocks.QK_K, IQ4_XSMatrix.BLOCK_BYTES, GROUP_BLOCK_BYTES, IQ4_XSR32Matrix::put, IQ4_XSR32Matrix::new);
    /** ggml's {@code kvalues_iq4nl}, entries {@code [0, SL)} and {@code [SL, 2·SL)} of the table for {@code selectFrom}. */
    static final ShortVector TABLE_0 = table(0);
    static final ShortVector TABLE_1 = table(SL);

    /** Super-blocks per row. */
    private final int nb;

    private IQ4_XSR32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / KBlocks.QK_K) * GROUP_BLOCK_BYTES);
        this.nb = cols / KBlocks.QK_K;
    }

    private static ShortVector table(int from) {
        short[] t = new short[SL];
        for (int i = 0; i < SL && from + i < 16; i++) {
            t[i] = IQ4_NLMatrix.VALUES[from + i];
        }
        return ShortVector.fromArray(S, t, 0);
    }

    /** Row {@code k}'s super-block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + D + 4 * k, f16Bits(blk, bo));
        int scalesH = (blk[bo + 2] & 0xFF) | (blk[bo + 3] & 0xFF) << 8;
        for (int j = 0; j < 8; j++) {
            int ls = ((blk[bo + 4 + j / 2] & 0xFF) >>> 4 * (j % 2) & 15) | ((scalesH >>> 2 * j) & 3) << 4;
            buf[o + LS + SUB * j + k] = (byte) (ls - 32);
            for (int p = 0; p < 16; p++) {
                buf[o + QS + SUB * j + R * p + k] = (byte) (index(blk, bo, j, 2 * p) | index(blk, bo, j, 2 * p + 1) << 4);
            }
        }
    }

    /** The table index of value {@code l} of sub-block {@code j}: low nibbles hold values 0–15, high ones 16–31. */
    private static int index(byte[] blk, int bo, int j, int l) {
        int v = blk[bo + 8 + 16 * j + (l & 15)] & 0xFF;
        return l < 16 ? v & 15 : v >>> 4;
    }

    /** IQ4_XS: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.IQ4_XS;
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
                for (int p = 0; p < 16; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * p, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector lo = q.and((short) 15).selectFrom(TABLE_0, TABLE_1);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).selectFrom(TABLE_0, TABLE_1);
                    int c = xq + 32 * u + 2 * p;
                    ShortVector pair = lo.mul(a.q[c]).add(hi.mul(a.q[c + 1]));
                    s0 = s0.add(pair.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(pair.convertShape(VectorOperators.S2I, I, 1));
                }
                float dx = a.d[xb + u];
                ByteVector ls = ByteVector.fromMemorySegment(B, data, so + LS, LE);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                // dl = d·(ls − 32), rounded to f32 as ggml rounds it
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx), y0);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx), y1);
            }
            y0.intoArray(out, off + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
        }
    }

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column pair loaded and looked up once. */
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
                for (int p = 0; p < 16; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * p, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector lo = q.and((short) 15).selectFrom(TABLE_0, TABLE_1);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).selectFrom(TABLE_0, TABLE_1);
                    int c = 32 * w + 2 * p;
                    ShortVector pt = lo.mul(a.q[xt + c]).add(hi.mul(a.q[xt + c + 1]));
                    ShortVector pu = lo.mul(a.q[xu + c]).add(hi.mul(a.q[xu + c + 1]));
                    st0 = st0.add(pt.convertShape(VectorOperators.S2I, I, 0));
                    st1 = st1.add(pt.convertShape(VectorOperators.S2I, I, 1));
                    su0 = su0.add(pu.convertShape(VectorOperators.S2I, I, 0));
                    su1 = su1.add(pu.convertShape(VectorOperators.S2I, I, 1));
                }
                ByteVector ls = ByteVector.fromMemorySegment(B, data, so + LS, LE);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                float dt = a.d[t * nbx + w];
                float du = a.d[u * nbx + w];
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(e0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(e1.mul(dt), yt1);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(e0.mul(du), yu0);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(e1.mul(du), yu1);
            }
            yt0.intoArray(out, offT + SL * part);
            yt1.intoArray(out, offT + SL * part + SL / 2);
            yu0.intoArray(out, offU + SL * part);
            yu1.intoArray(out, offU + SL * part + SL / 2);
        }
    }

    /** Up to 10 rows the integer kernel beats the f32 panel product here (measured, see {@link RowLaneMatrix#integerRows}). */
    @Override
    int integerRows() {
        return 10;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}),
     * four of them with each column pair loaded and looked up once for four tokens; the same integers and f32 operations as
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
                for (int p = 0; p < 16; p++) {
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + R * p, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector lo = q.and((short) 15).selectFrom(TABLE_0, TABLE_1);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).selectFrom(TABLE_0, TABLE_1);
                    int c = 32 * w + 2 * p;
                    ShortVector p0 = lo.mul(a.q[x0 + c]).add(hi.mul(a.q[x0 + c + 1]));
                    ShortVector p1 = lo.mul(a.q[x1 + c]).add(hi.mul(a.q[x1 + c + 1]));
                    ShortVector p2 = lo.mul(a.q[x2 + c]).add(hi.mul(a.q[x2 + c + 1]));
                    ShortVector p3 = lo.mul(a.q[x3 + c]).add(hi.mul(a.q[x3 + c + 1]));
                    s00 = s00.add(p0.convertShape(VectorOperators.S2I, I, 0));
                    s01 = s01.add(p0.convertShape(VectorOperators.S2I, I, 1));
                    s10 = s10.add(p1.convertShape(VectorOperators.S2I, I, 0));
                    s11 = s11.add(p1.convertShape(VectorOperators.S2I, I, 1));
                    s20 = s20.add(p2.convertShape(VectorOperators.S2I, I, 0));
                    s21 = s21.add(p2.convertShape(VectorOperators.S2I, I, 1));
                    s30 = s30.add(p3.convertShape(VectorOperators.S2I, I, 0));
                    s31 = s31.add(p3.convertShape(VectorOperators.S2I, I, 1));
                }
                ByteVector ls = ByteVector.fromMemorySegment(B, data, so + LS, LE);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                int b0 = t * nbx + w;
                float dx0 = a.d[b0], dx1 = a.d[b0 + nbx], dx2 = a.d[b0 + 2 * nbx], dx3 = a.d[b0 + last * nbx];
                y00 = ((FloatVector) s00.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx0), y00);
                y01 = ((FloatVector) s01.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx0), y01);
                y10 = ((FloatVector) s10.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx1), y10);
                y11 = ((FloatVector) s11.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx1), y11);
                y20 = ((FloatVector) s20.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx2), y20);
                y21 = ((FloatVector) s21.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx2), y21);
                y30 = ((FloatVector) s30.convert(VectorOperators.I2F, 0)).fma(e0.mul(dx3), y30);
                y31 = ((FloatVector) s31.convert(VectorOperators.I2F, 0)).fma(e1.mul(dx3), y31);
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code dl·kvalues[q]}, as {@link #row}. One flat loop over column pairs. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 2; u < c1 / 2; u++) {
                long o = base + (long) (u >> 7) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * ((u >> 4) & 7) + (long) SL * part;
                ByteVector ls = ByteVector.fromMemorySegment(B, data, so + LS, LE);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) ls.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + (long) R * (u & 15), LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector lo = q.and((short) 15).selectFrom(TABLE_0, TABLE_1);
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).selectFrom(TABLE_0, TABLE_1);
                int at = (2 * u - c0) * R + SL * part;
                e0.mul((FloatVector) lo.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).intoArray(panel, at);
                e1.mul((FloatVector) lo.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).intoArray(panel, at + SL / 2);
                e0.mul((FloatVector) hi.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).intoArray(panel, at + R);
                e1.mul((FloatVector) hi.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).intoArray(panel, at + R + SL / 2);
            }
        }
    }

    /** Row {@code row}'s values: {@code dl·kvalues[q]}, as {@link IQ4_XSMatrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int sb = 0; sb < nb; sb++) {
            long o = offset(g) + (long) sb * GROUP_BLOCK_BYTES;
            float d = data.get(LE_FLOAT, o + D + 4L * k);
            for (int j = 0; j < 8; j++) {
                long so = o + (long) SUB * j + k;
                float dl = d * data.get(ValueLayout.JAVA_BYTE, so + LS);
                for (int p = 0; p < 16; p++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, so + QS + (long) R * p) & 0xFF;
                    int y = off + 256 * sb + 32 * j + 2 * p;
                    dst[y] = dl * IQ4_NLMatrix.VALUES[v & 15];
                    dst[y + 1] = dl * IQ4_NLMatrix.VALUES[v >>> 4];
                }
            }
        }
    }
}
