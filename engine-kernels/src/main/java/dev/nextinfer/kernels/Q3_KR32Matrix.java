package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q3_K weights repacked for the integer kernel with rows in lanes, as {@link Q6_KR32Matrix} does for Q6_K (read that
 * and {@link Q4_0R32Matrix} first). Q3_K's value is {@code dl·q} with {@code q = u − 4} in {@code −4..3}
 * ({@code u}: two low bits and a high bit) and {@code dl = d·(sc − 32)} per sub-block of 16 ({@link Q3_KMatrix}),
 * so per sub-block {@code Σ w·x ≈ (d·dx)·((sc − 32)·(Σ u·x_q − 4·Σ x_q))}: all in integers (exact), then one FMA
 * per 32 rows; {@code Σ x_q} over 16 columns comes with the activations ({@link Int8Activations#half}).
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and super-block of 256 columns, 3712
 * bytes: the 32 rows' {@code d} as f32 (128 bytes), then per sub-block {@code j} of 16 columns the rows'
 * {@code sc − 32} as signed bytes (32 bytes) and 2 runs of 8 columns: the rows' high bits (32 bytes, row {@code k}'s
 * byte holding column {@code i}'s bit in bit {@code i}) followed by 2 column quads of 32 bytes (row {@code k}'s 4
 * low-bit pairs in bits {@code 2i, 2i + 1}). 3.625 bits per weight (Q3_K: 3.44), in the order the kernel reads it.
 */
public final class Q3_KR32Matrix extends RowLaneMatrix {
    private static final int D = 0;
    private static final int HEAD = 4 * R;
    /** Bytes per run of 8 columns: the high bits, then 2 column quads. */
    private static final int RUN = R + 2 * R;
    /** Bytes per sub-block of 16 columns: its scales, its 2 runs. */
    private static final int SUB = R + 2 * RUN;
    private static final int SC = HEAD;
    private static final int HB = HEAD + R;
    private static final int QS = HB + R;
    /** Bytes per group and super-block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 16 * SUB;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q3_K matrices), its size. */
    static final Layout<Q3_KR32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q3_K, Q3_KMatrix.class,
            KBlocks.QK_K, Q3_KMatrix.BLOCK_BYTES, GROUP_BLOCK_BYTES, Q3_KR32Matrix::put, Q3_KR32Matrix::new);

    /** Super-blocks per row. */
    private final int nb;

    private Q3_KR32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / KBlocks.QK_K) * GROUP_BLOCK_BYTES);
        this.nb = cols / KBlocks.QK_K;
    }

    /** Row {@code k}'s super-block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + D + 4 * k, f16Bits(blk, bo + 108));
        for (int j = 0; j < 16; j++) {
            int low = j < 8 ? blk[bo + 96 + j] & 15 : (blk[bo + 96 + j - 8] & 0xFF) >>> 4;
            int high = (blk[bo + 104 + (j & 3)] >>> 2 * (j >> 2)) & 3;
            buf[o + SC + SUB * j + k] = (byte) ((low | high << 4) - 32);
            for (int r = 0; r < 2; r++) {
                int bits = 0;
                for (int p = 0; p < 2; p++) {
                    int pairs = 0;
                    for (int i = 0; i < 4; i++) {
                        int l = 16 * j + 8 * r + 4 * p + i;
                        pairs |= low2(blk, bo, l) << 2 * i;
                        bits |= high(blk, bo, l) << (4 * p + i);
                    }
                    buf[o + QS + SUB * j + RUN * r + R * p + k] = (byte) pairs;
                }
                buf[o + HB + SUB * j + RUN * r + k] = (byte) bits;
            }
        }
    }

    /** Value {@code l = 128h + 32t + i}'s two low bits: bits {@code 2t, 2t + 1} of {@code qs[32h + i]}. */
    private static int low2(byte[] blk, int bo, int l) {
        return (blk[bo + 32 + 32 * (l >> 7) + (l & 31)] >>> 2 * ((l >> 5) & 3)) & 3;
    }

    /** Value {@code l = 128h + 32t + i}'s high bit: bit {@code 4h + t} of {@code hmask[i]}. */
    private static int high(byte[] blk, int bo, int l) {
        return (blk[bo + (l & 31)] >>> (4 * (l >> 7) + ((l >> 5) & 3))) & 1;
    }

    /** Q3_K: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q3_K;
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
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks of 16, as Q6_KR32Matrix
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * (w & 15) + (long) SL * part;
                ShortVector acc = ShortVector.zero(S);
                for (int r = 0; r < 2; r++) {
                    // the high bits two places up, so that column i's lands on bit 2 (value 4) after a right shift by i
                    ShortVector hb = ((ShortVector) ByteVector.fromMemorySegment(B, data, so + HB + RUN * r, LE)
                            .convertShape(VectorOperators.B2S, S, 0)).lanewise(VectorOperators.LSHL, 2);
                    for (int p = 0; p < 2; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * r + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        int x = xq + 16 * w + 8 * r + 4 * p;
                        int b = 4 * p;
                        acc = acc.add(q.and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b).and((short) 4)).mul(a.q[x]))
                                .add(q.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 1).and((short) 4)).mul(a.q[x + 1]))
                                .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 2).and((short) 4)).mul(a.q[x + 2]))
                                .add(q.lanewise(VectorOperators.LSHR, 6).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 3).and((short) 4)).mul(a.q[x + 3]));
                    }
                }
                // (sc − 32)·(Σ u·x_q − 4·Σ x_q), exact in integers and in f32 (|·| < 2¹⁹)
                int fourSums = 4 * a.half[xh + w];
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                IntVector s0 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0)).sub(fourSums)
                        .mul((IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0));
                IntVector s1 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1)).sub(fourSums)
                        .mul((IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1));
                float dx = a.d[xb + (w >> 1)];
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                y0 = ((FloatVector) s0.convert(VectorOperators.I2F, 0)).fma(d0.mul(dx), y0);
                y1 = ((FloatVector) s1.convert(VectorOperators.I2F, 0)).fma(d1.mul(dx), y1);
            }
            y0.intoArray(out, off + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
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
                for (int r = 0; r < 2; r++) {
                    ShortVector hb = ((ShortVector) ByteVector.fromMemorySegment(B, data, so + HB + RUN * r, LE)
                            .convertShape(VectorOperators.B2S, S, 0)).lanewise(VectorOperators.LSHL, 2);
                    for (int p = 0; p < 2; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * r + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        int b = 4 * p;
                        ShortVector u0 = q.and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b).and((short) 4));
                        ShortVector u1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 1).and((short) 4));
                        ShortVector u2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 2).and((short) 4));
                        ShortVector u3 = q.lanewise(VectorOperators.LSHR, 6).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 3).and((short) 4));
                        int x = 16 * w + 8 * r + 4 * p;
                        accT = accT.add(u0.mul(a.q[xt + x])).add(u1.mul(a.q[xt + x + 1])).add(u2.mul(a.q[xt + x + 2])).add(u3.mul(a.q[xt + x + 3]));
                        accU = accU.add(u0.mul(a.q[xu + x])).add(u1.mul(a.q[xu + x + 1])).add(u2.mul(a.q[xu + x + 2])).add(u3.mul(a.q[xu + x + 3]));
                    }
                }
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                IntVector sc0 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sc1 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                int fourSumsT = 4 * a.half[t * nh + w];
                int fourSumsU = 4 * a.half[u * nh + w];
                IntVector st0 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 0)).sub(fourSumsT).mul(sc0);
                IntVector st1 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 1)).sub(fourSumsT).mul(sc1);
                IntVector su0 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 0)).sub(fourSumsU).mul(sc0);
                IntVector su1 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 1)).sub(fourSumsU).mul(sc1);
                float dt = a.d[t * nbx + (w >> 1)];
                float du = a.d[u * nbx + (w >> 1)];
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(d0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(d1.mul(dt), yt1);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(d0.mul(du), yu0);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(d1.mul(du), yu1);
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
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}):
     * each column quad loaded and its three bits assembled once for four tokens; the same integers and f32 operations
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
                for (int r = 0; r < 2; r++) {
                    ShortVector hb = ((ShortVector) ByteVector.fromMemorySegment(B, data, so + HB + RUN * r, LE)
                            .convertShape(VectorOperators.B2S, S, 0)).lanewise(VectorOperators.LSHL, 2);
                    for (int p = 0; p < 2; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, so + QS + RUN * r + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        int b = 4 * p;
                        ShortVector u0 = q.and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b).and((short) 4));
                        ShortVector u1 = q.lanewise(VectorOperators.LSHR, 2).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 1).and((short) 4));
                        ShortVector u2 = q.lanewise(VectorOperators.LSHR, 4).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 2).and((short) 4));
                        ShortVector u3 = q.lanewise(VectorOperators.LSHR, 6).and((short) 3).or(hb.lanewise(VectorOperators.LSHR, b + 3).and((short) 4));
                        int x = 16 * w + 8 * r + 4 * p;
                        c0 = c0.add(u0.mul(a.q[x0 + x])).add(u1.mul(a.q[x0 + x + 1])).add(u2.mul(a.q[x0 + x + 2])).add(u3.mul(a.q[x0 + x + 3]));
                        c1 = c1.add(u0.mul(a.q[x1 + x])).add(u1.mul(a.q[x1 + x + 1])).add(u2.mul(a.q[x1 + x + 2])).add(u3.mul(a.q[x1 + x + 3]));
                        c2 = c2.add(u0.mul(a.q[x2 + x])).add(u1.mul(a.q[x2 + x + 1])).add(u2.mul(a.q[x2 + x + 2])).add(u3.mul(a.q[x2 + x + 3]));
                        c3 = c3.add(u0.mul(a.q[x3 + x])).add(u1.mul(a.q[x3 + x + 1])).add(u2.mul(a.q[x3 + x + 2])).add(u3.mul(a.q[x3 + x + 3]));
                    }
                }
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                IntVector sc0 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sc1 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                int hb0 = t * nh + w;
                int f0 = 4 * a.half[hb0], f1 = 4 * a.half[hb0 + nh], f2 = 4 * a.half[hb0 + 2 * nh], f3 = 4 * a.half[hb0 + last * nh];
                int xb = t * nbx + (w >> 1);
                float dx0 = a.d[xb], dx1 = a.d[xb + nbx], dx2 = a.d[xb + 2 * nbx], dx3 = a.d[xb + last * nbx];
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                y00 = ((FloatVector) ((IntVector) c0.convertShape(VectorOperators.S2I, I, 0)).sub(f0).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), y00);
                y01 = ((FloatVector) ((IntVector) c0.convertShape(VectorOperators.S2I, I, 1)).sub(f0).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), y01);
                y10 = ((FloatVector) ((IntVector) c1.convertShape(VectorOperators.S2I, I, 0)).sub(f1).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), y10);
                y11 = ((FloatVector) ((IntVector) c1.convertShape(VectorOperators.S2I, I, 1)).sub(f1).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), y11);
                y20 = ((FloatVector) ((IntVector) c2.convertShape(VectorOperators.S2I, I, 0)).sub(f2).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), y20);
                y21 = ((FloatVector) ((IntVector) c2.convertShape(VectorOperators.S2I, I, 1)).sub(f2).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), y21);
                y30 = ((FloatVector) ((IntVector) c3.convertShape(VectorOperators.S2I, I, 0)).sub(f3).mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), y30);
                y31 = ((FloatVector) ((IntVector) c3.convertShape(VectorOperators.S2I, I, 1)).sub(f3).mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), y31);
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code dl·q}, as {@link #row}. One flat loop over column quads. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 4; u < c1 / 4; u++) {
                long o = base + (long) (u >> 6) * GROUP_BLOCK_BYTES;
                long so = o + (long) SUB * ((u >> 2) & 15) + (long) SL * part;
                long ro = so + (long) RUN * ((u >> 1) & 1);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, so + SC, LE);
                // dl = d·(sc − 32), rounded to f32 as ggml rounds it
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                ShortVector hb = ((ShortVector) ByteVector.fromMemorySegment(B, data, ro + HB, LE)
                        .convertShape(VectorOperators.B2S, S, 0)).lanewise(VectorOperators.LSHL, 2);
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + QS + (long) R * (u & 1), LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                int b = 4 * (u & 1);
                for (int i = 0; i < 4; i++) {
                    ShortVector v = q.lanewise(VectorOperators.LSHR, 2 * i).and((short) 3)
                            .or(hb.lanewise(VectorOperators.LSHR, b + i).and((short) 4)).sub((short) 4);
                    int at = (4 * u + i - c0) * R + SL * part;
                    e0.mul((FloatVector) v.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).intoArray(panel, at);
                    e1.mul((FloatVector) v.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).intoArray(panel, at + SL / 2);
                }
            }
        }
    }

    /** Row {@code row}'s values: {@code dl·q}, as {@link Q3_KMatrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int sb = 0; sb < nb; sb++) {
            long o = offset(g) + (long) sb * GROUP_BLOCK_BYTES;
            float d = data.get(LE_FLOAT, o + D + 4L * k);
            for (int j = 0; j < 16; j++) {
                long so = o + (long) SUB * j + k;
                float dl = d * data.get(ValueLayout.JAVA_BYTE, so + SC);
                for (int r = 0; r < 2; r++) {
                    int bits = data.get(ValueLayout.JAVA_BYTE, so + HB + (long) RUN * r) & 0xFF;
                    for (int p = 0; p < 2; p++) {
                        int v = data.get(ValueLayout.JAVA_BYTE, so + QS + (long) RUN * r + (long) R * p) & 0xFF;
                        for (int i = 0; i < 4; i++) {
                            int uq = ((v >>> 2 * i) & 3) | ((bits >>> (4 * p + i)) & 1) << 2;
                            dst[off + 256 * sb + 16 * j + 8 * r + 4 * p + i] = dl * (uq - 4);
                        }
                    }
                }
            }
        }
    }
}
