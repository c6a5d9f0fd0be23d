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
 * Q6_K weights repacked for the integer kernel with rows in lanes, as {@link Q4_0R32Matrix} does for Q4_0 (read that
 * first): activations quantised to int8 per block of 32 ({@link Int8Activations}). Q6_K's value is
 * {@code d·sc[j]·(q − 32)} with a signed 8-bit {@code sc} per sub-block of 16 ({@link Q6_KMatrix}), so per sub-block
 * {@code Σ w·x ≈ (d·dx)·(sc·Σ (q − 32)·x_q)}: the inner sum and its product with {@code sc} in integers (exact:
 * |sc·Σ| &lt; 2²⁴, so its conversion to f32 is exact too), then one FMA per 32 rows.
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and super-block of 256 columns, 8832
 * bytes: the 32 rows' {@code d} as f32 (128 bytes, converted from f16 exactly), then per sub-block {@code j} of 16
 * columns the rows' scales {@code sc[j][row]} (32 bytes) followed by its 16 columns of 32 bytes, byte {@code k}
 * holding row {@code k}'s {@code q − 32} as a signed byte (the scales in line with the quants, so that the kernel
 * reads memory in order; see {@link Q4_KR32Matrix}). 8.6 bits per weight (Q6_K: 6.56): one byte per weight, so that
 * a column of 32 rows is one load widened to int16 lanes, one multiply and one add; unpacking Q6_K's 4 + 2 bits per
 * column would cost five more operations. The int16 sums hold 8 columns ({@code 8·32·127 < 2¹⁵}) before they are
 * widened to int32.
 *
 * <p>Why it exists: Q6_K holds the {@code ffn_down} experts of half the layers and {@code output} in a Q4_K_M file,
 * and its f32 kernel ({@link Q6_KMatrix}) is the slowest per weight of the K formats — and in a JVM that has also
 * compiled the other formats' kernels it was measured another 2.5× slower (a C2 compilation of
 * {@link Q6_KMatrix}'s {@code dot} in which some vector operations were not intrinsified, seen as allocations per
 * row), which this kernel's plain load-multiply-add loop does not suffer.
 */
public final class Q6_KR32Matrix extends RowLaneMatrix {
    private static final int D = 0;
    private static final int HEAD = 4 * R;
    private static final int SUB = R + 16 * R;
    private static final int SC = HEAD;
    private static final int QS = HEAD + R;
    /** Bytes per group and super-block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 16 * SUB;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q6_K matrices), its size. */
    static final Layout<Q6_KR32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q6_K, Q6_KMatrix.class,
            KBlocks.QK_K, Q6_KMatrix.BLOCK_BYTES, GROUP_BLOCK_BYTES, Q6_KR32Matrix::put, Q6_KR32Matrix::new);

    /** Super-blocks per row. */
    private final int nb;

    private Q6_KR32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / KBlocks.QK_K) * GROUP_BLOCK_BYTES);
        this.nb = cols / KBlocks.QK_K;
    }

    /** Row {@code k}'s super-block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + D + 4 * k, f16Bits(blk, bo + 208));
        for (int j = 0; j < 16; j++) {
            buf[o + SC + SUB * j + k] = blk[bo + 192 + j];
        }
        for (int l = 0; l < KBlocks.QK_K; l++) {
            buf[o + QS + SUB * (l >> 4) + R * (l & 15) + k] = (byte) (quant(blk, bo, l) - 32);
        }
    }

    /**
     * The 6-bit {@code q} (0–63) of value {@code l} of the Q6_K super-block at {@code blk[bo]}: in half
     * {@code h = l / 128}, quarter {@code t} and position {@code i < 32}, the low 4 bits are the low ({@code t} = 0,
     * 1) or high ({@code t} = 2, 3) nibble of {@code ql[64h + 32·(t mod 2) + i]}, the high 2 bits are bits
     * {@code 2t, 2t + 1} of {@code qh[32h + i]} (ggml's {@code dequantize_row_q6_K}).
     */
    private static int quant(byte[] blk, int bo, int l) {
        int h = l >> 7;
        int t = (l >> 5) & 3;
        int i = l & 31;
        int ql = blk[bo + 64 * h + 32 * (t & 1) + i] & 0xFF;
        int qh = blk[bo + 128 + 32 * h + i] & 0xFF;
        return (t < 2 ? ql & 15 : ql >>> 4) | ((qh >>> 2 * t) & 3) << 4;
    }

    /** Q6_K: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q6_K;
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
            // one flat loop over the row's sub-blocks of 16 (w = 16·super-block + j); see Q4_KR32Matrix for why flat
            for (int w = 0; w < 16 * nb; w++) {
                int j = w & 15;
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                IntVector s0 = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                for (int e = 0; e < 2; e++) {
                    ShortVector acc = ShortVector.zero(S);
                    for (int p = 0; p < 8; p++) {
                        int c = 8 * e + p;
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, o + QS + (long) SUB * j + (long) R * c + (long) SL * part, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        acc = acc.add(q.mul(a.q[xq + 16 * w + 8 * e + p]));
                    }
                    s0 = s0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                }
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                s0 = s0.mul((IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0));
                s1 = s1.mul((IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1));
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

    /** Up to 10 rows the integer kernel beats the f32 panel product here (measured, see {@link RowLaneMatrix#integerRows}). */
    @Override
    int integerRows() {
        return 10;
    }

    /** The four-row kernel with a row repeated is cheaper than a pair and a single row here (measured). */
    @Override
    boolean fourRowsForThree() {
        return true;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}): each column
     * loaded and widened once for four tokens; the same integers and f32 operations as {@link #group}, in its order.
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
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks, as group
                int j = w & 15;
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                IntVector s00 = IntVector.zero(I), s01 = IntVector.zero(I), s10 = IntVector.zero(I), s11 = IntVector.zero(I);
                IntVector s20 = IntVector.zero(I), s21 = IntVector.zero(I), s30 = IntVector.zero(I), s31 = IntVector.zero(I);
                for (int e = 0; e < 2; e++) {
                    ShortVector c0 = ShortVector.zero(S), c1 = ShortVector.zero(S), c2 = ShortVector.zero(S), c3 = ShortVector.zero(S);
                    for (int p = 0; p < 8; p++) {
                        int c = 8 * e + p;
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, o + QS + (long) SUB * j + (long) R * c + (long) SL * part, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        int xc = 16 * w + c;
                        c0 = c0.add(q.mul(a.q[x0 + xc]));
                        c1 = c1.add(q.mul(a.q[x1 + xc]));
                        c2 = c2.add(q.mul(a.q[x2 + xc]));
                        c3 = c3.add(q.mul(a.q[x3 + xc]));
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
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                IntVector sc0 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sc1 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                int xb = t * nbx + (w >> 1);
                float dx0 = a.d[xb], dx1 = a.d[xb + nbx], dx2 = a.d[xb + 2 * nbx], dx3 = a.d[xb + last * nbx];
                y00 = ((FloatVector) s00.mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx0), y00);
                y01 = ((FloatVector) s01.mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx0), y01);
                y10 = ((FloatVector) s10.mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx1), y10);
                y11 = ((FloatVector) s11.mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx1), y11);
                y20 = ((FloatVector) s20.mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx2), y20);
                y21 = ((FloatVector) s21.mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx2), y21);
                y30 = ((FloatVector) s30.mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dx3), y30);
                y31 = ((FloatVector) s31.mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dx3), y31);
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

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column loaded and widened once. */
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
            for (int w = 0; w < 16 * nb; w++) { // flat over sub-blocks, as group
                int j = w & 15;
                long o = base + (long) (w >> 4) * GROUP_BLOCK_BYTES;
                IntVector st0 = IntVector.zero(I);
                IntVector st1 = IntVector.zero(I);
                IntVector su0 = IntVector.zero(I);
                IntVector su1 = IntVector.zero(I);
                for (int e = 0; e < 2; e++) {
                    ShortVector accT = ShortVector.zero(S);
                    ShortVector accU = ShortVector.zero(S);
                    for (int p = 0; p < 8; p++) {
                        int c = 8 * e + p;
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, o + QS + (long) SUB * j + (long) R * c + (long) SL * part, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        accT = accT.add(q.mul(a.q[xt + 16 * w + c]));
                        accU = accU.add(q.mul(a.q[xu + 16 * w + c]));
                    }
                    st0 = st0.add(accT.convertShape(VectorOperators.S2I, I, 0));
                    st1 = st1.add(accT.convertShape(VectorOperators.S2I, I, 1));
                    su0 = su0.add(accU.convertShape(VectorOperators.S2I, I, 0));
                    su1 = su1.add(accU.convertShape(VectorOperators.S2I, I, 1));
                }
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                IntVector sc0 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0);
                IntVector sc1 = (IntVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                float dt = a.d[t * nbx + (w >> 1)];
                float du = a.d[u * nbx + (w >> 1)];
                yt0 = ((FloatVector) st0.mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(dt), yt1);
                yu0 = ((FloatVector) su0.mul(sc0).convert(VectorOperators.I2F, 0)).fma(d0.mul(du), yu0);
                yu1 = ((FloatVector) su1.mul(sc1).convert(VectorOperators.I2F, 0)).fma(d1.mul(du), yu1);
            }
            yt0.intoArray(out, offT + SL * part);
            yt1.intoArray(out, offT + SL * part + SL / 2);
            yu0.intoArray(out, offU + SL * part);
            yu1.intoArray(out, offU + SL * part + SL / 2);
        }
    }

    /** Columns {@code [c0, c1)} of group {@code g}: {@code (d·sc)·(q − 32)}, as {@link #row}. One flat loop over columns. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int c = c0; c < c1; c++) {
                long o = base + (long) (c >> 8) * GROUP_BLOCK_BYTES;
                int j = (c >> 4) & 15;
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, o + QS + (long) SUB * j + (long) R * (c & 15) + (long) SL * part, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                int at = (c - c0) * R + SL * part;
                e0.mul((FloatVector) q.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).intoArray(panel, at);
                e1.mul((FloatVector) q.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).intoArray(panel, at + SL / 2);
            }
        }
    }

    /** Row {@code row}'s values: {@code (d·sc)·(q − 32)}, as {@link Q6_KMatrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int sb = 0; sb < nb; sb++) {
            long o = offset(g) + (long) sb * GROUP_BLOCK_BYTES;
            float d = data.get(LE_FLOAT, o + D + 4L * k);
            for (int j = 0; j < 16; j++) {
                float ds = d * data.get(ValueLayout.JAVA_BYTE, o + SC + (long) SUB * j + k);
                int y = off + 256 * sb + 16 * j;
                for (int l = 0; l < 16; l++) {
                    dst[y + l] = ds * data.get(ValueLayout.JAVA_BYTE, o + QS + (long) SUB * j + (long) R * l + k);
                }
            }
        }
    }
}
