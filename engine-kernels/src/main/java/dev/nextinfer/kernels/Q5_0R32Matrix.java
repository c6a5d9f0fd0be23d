package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q5_0 weights repacked for the integer kernel with rows in lanes, as {@link Q4_0R32Matrix} does for Q4_0 (read that
 * first), with the fifth bits as {@link Q5_KR32Matrix} keeps them. Q5_0's value is {@code d·(q − 16)},
 * {@code q = nibble + 16·bit} in {@code 0..31} ({@link Q5_0Matrix}); per block of 32 {@code Σ q·x_q} in integers, then
 * {@code d·dx·(Σ q·x_q − 16·Σ x_q)}, one FMA per block and 32 rows. The same values as the source ({@link #row} bit
 * for bit).
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and block of 32 columns, 704 bytes: the
 * 32 rows' {@code d} as Q5_0's f16 (64 bytes, widened to f32 in registers, exactly, as {@link Q4_0R32Matrix} does),
 * then 4 runs of 8 columns, each the rows' fifth bits (32 bytes: row
 * {@code k}'s byte holds column {@code 2p}'s bit in bit {@code p} and column {@code 2p + 1}'s in bit {@code 4 + p})
 * followed by its 4 column pairs of 32 bytes (low nibble column 2p, high nibble 2p + 1). 5.5 bits per weight, Q5_0's own size.
 * The int16 sums hold one run ({@code 8·31·127 < 2¹⁵}) before they are widened to int32.
 *
 * <p>{@link #group2} runs {@link #group} once per token: Q5_0 is rare in the files people run, so it has no
 * two-token kernel of its own (the results are the same bits either way). Q5_1 and Q4_1, the formats with a
 * minimum, have no integer kernel: tried, their top-1 agreement with the exact answer fell short of llama.cpp's on
 * the test files (docs/performance.md).
 */
public final class Q5_0R32Matrix extends RowLaneMatrix {
    private static final int SCALE_BYTES = 2 * R;
    /** Bytes per run of 8 columns: the rows' fifth bits, then 4 column pairs. */
    private static final int RUN = R + 4 * R;
    /** Bytes per group and block of 32 columns. */
    static final int GROUP_BLOCK_BYTES = SCALE_BYTES + 4 * RUN;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q5_0 matrices), its size. */
    static final Layout<Q5_0R32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q5_0, Q5_0Matrix.class, Int8Activations.QK,
            Q5_0Matrix.BLOCK, GROUP_BLOCK_BYTES, Q5_0R32Matrix::put, Q5_0R32Matrix::new);

    private final int nb;

    private Q5_0R32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / Int8Activations.QK) * GROUP_BLOCK_BYTES);
        this.nb = cols / Int8Activations.QK;
    }

    /** Row {@code k}'s block ({@code block_q5_0 {f16 d; u8 qh[4]; u8 qs[16]}} at {@code src[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] src, int bo, byte[] buf, int o, int k) {
        buf[o + 2 * k] = src[bo]; // the f16 scale, widened in registers by the kernels
        buf[o + 2 * k + 1] = src[bo + 1];
        int qh = (src[bo + 2] & 0xFF) | (src[bo + 3] & 0xFF) << 8 | (src[bo + 4] & 0xFF) << 16 | (src[bo + 5] & 0xFF) << 24;
        for (int e = 0; e < 4; e++) {
            int bits = 0;
            for (int p = 0; p < 4; p++) {
                int l = 8 * e + 2 * p;
                buf[o + SCALE_BYTES + RUN * e + R + R * p + k] = (byte) (nibble(src, bo + 6, l) | nibble(src, bo + 6, l + 1) << 4);
                bits |= (qh >>> l & 1) << p | (qh >>> (l + 1) & 1) << (4 + p);
            }
            buf[o + SCALE_BYTES + RUN * e + k] = (byte) bits;
        }
    }

    /** The low 4 bits of value {@code l}: the low nibble of {@code qs[l]} for {@code l < 16}, else the high one of {@code qs[l − 16]}. */
    private static int nibble(byte[] src, int qs, int l) {
        int v = src[qs + (l & 15)] & 0xFF;
        return l < 16 ? v & 15 : v >>> 4;
    }

    /** Q5_0: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q5_0;
    }

    /** {@code out[off + k] = W[32g + k]·x_t} for the group's 32 rows (padding rows give 0). */
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
                long ro = o + SCALE_BYTES + (long) SL * part;
                IntVector s0 = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                for (int e = 0; e < 4; e++) {
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector acc = ShortVector.zero(S);
                    for (int p = 0; p < 4; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + RUN * e + R + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        // bit p of hb to bit 4 for column 2p, bit 4 + p for column 2p + 1
                        ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        int c = xq + 32 * b + 8 * e + 2 * p;
                        acc = acc.add(lo.mul(a.q[c])).add(hi.mul(a.q[c + 1]));
                    }
                    s0 = s0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                }
                int m = 16 * a.sum[xb + b];
                float dx = a.d[xb + b];
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                y0 = ((FloatVector) s0.sub(m).convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y1 = ((FloatVector) s1.sub(m).convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
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
                long ro = o + SCALE_BYTES + (long) SL * part;
                long roB = oB + SCALE_BYTES + (long) SL * part;
                IntVector s0 = IntVector.zero(I);
                IntVector s0B = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                IntVector s1B = IntVector.zero(I);
                for (int e = 0; e < 4; e++) {
                    ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector hbB = (ShortVector) ByteVector.fromMemorySegment(B, dataB, roB + RUN * e, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector acc = ShortVector.zero(S);
                    ShortVector accB = ShortVector.zero(S);
                    for (int p = 0; p < 4; p++) {
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + RUN * e + R + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        ShortVector qB = (ShortVector) ByteVector.fromMemorySegment(B, dataB, roB + RUN * e + R + R * p, LE)
                                .convertShape(VectorOperators.B2S, S, 0);
                        // bit p of hb to bit 4 for column 2p, bit 4 + p for column 2p + 1
                        ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector loB = qB.and((short) 15).or(hbB.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16));
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        ShortVector hiB = qB.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hbB.lanewise(VectorOperators.LSHR, p).and((short) 16));
                        int c = xq + 32 * b + 8 * e + 2 * p;
                        acc = acc.add(lo.mul(a.q[c])).add(hi.mul(a.q[c + 1]));
                        accB = accB.add(loB.mul(a.q[c])).add(hiB.mul(a.q[c + 1]));
                    }
                    s0 = s0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    s0B = s0B.add(accB.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                    s1B = s1B.add(accB.convertShape(VectorOperators.S2I, I, 1));
                }
                int m = 16 * a.sum[xb + b];
                float dx = a.d[xb + b];
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                ShortVector hB = ShortVector.fromMemorySegment(S, dataB, oB + 2L * SL * part, LE);
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w0B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1B = ((IntVector) hB.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                y0 = ((FloatVector) s0.sub(m).convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y0B = ((FloatVector) s0B.sub(m).convert(VectorOperators.I2F, 0)).fma(w0B.mul(dx), y0B);
                y1 = ((FloatVector) s1.sub(m).convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
                y1B = ((FloatVector) s1B.sub(m).convert(VectorOperators.I2F, 0)).fma(w1B.mul(dx), y1B);
            }
            y0.intoArray(out, off + SL * part);
            y0B.intoArray(out, offB + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
            y1B.intoArray(out, offB + SL * part + SL / 2);
        }
    }

    /** {@link #group} for each token in turn. */
    @Override
    void group2(int g, Int8Activations a, int t, int u, float[] out, int offT, int offU) {
        group(g, a, t, out, offT);
        group(g, a, u, out, offU);
    }

    /** Columns {@code [c0, c1)} of group {@code g}: {@code (q − 16)·d}, as {@link #row}. One flat loop over column pairs. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 2; u < c1 / 2; u++) {
                long o = base + (long) (u >> 4) * GROUP_BLOCK_BYTES;
                long ro = o + SCALE_BYTES + (long) RUN * ((u >> 2) & 3) + (long) SL * part;
                int p = u & 3;
                ShortVector h = ShortVector.fromMemorySegment(S, data, o + 2L * SL * part, LE); // f16 → f32 as F16Tiles.widen
                FloatVector w0 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 0)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                FloatVector w1 = ((IntVector) h.convertShape(VectorOperators.S2I, I, 1)).lanewise(VectorOperators.LSHL, 13).and(0x8fff_ffff).reinterpretAsFloats().mul(0x1p112f);
                ShortVector hb = (ShortVector) ByteVector.fromMemorySegment(B, data, ro, LE).convertShape(VectorOperators.B2S, S, 0);
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, ro + R + (long) R * p, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector lo = q.and((short) 15).or(hb.lanewise(VectorOperators.LSHL, 4 - p).and((short) 16)).sub((short) 16);
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).or(hb.lanewise(VectorOperators.LSHR, p).and((short) 16)).sub((short) 16);
                int at = (2 * u - c0) * R + SL * part;
                ((FloatVector) lo.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).mul(w0).intoArray(panel, at);
                ((FloatVector) lo.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).mul(w1).intoArray(panel, at + SL / 2);
                ((FloatVector) hi.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).mul(w0).intoArray(panel, at + R);
                ((FloatVector) hi.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).mul(w1).intoArray(panel, at + R + SL / 2);
            }
        }
    }

    /** Row {@code row}'s values: {@code (q − 16)·d}, as {@link Q5_0Matrix#row} gives them. */
    @Override
    public void row(int row, float[] dst, int off) {
        int g = row / R;
        int k = row % R;
        MemorySegment data = chunk(g);
        for (int b = 0; b < nb; b++) {
            long o = offset(g) + (long) b * GROUP_BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(Blocks.LE_SHORT, o + 2L * k));
            for (int e = 0; e < 4; e++) {
                long ro = o + SCALE_BYTES + (long) RUN * e;
                int bits = data.get(ValueLayout.JAVA_BYTE, ro + k) & 0xFF;
                for (int p = 0; p < 4; p++) {
                    int v = data.get(ValueLayout.JAVA_BYTE, ro + R + (long) R * p + k) & 0xFF;
                    int lo = (v & 15) | (bits >>> p & 1) << 4;
                    int hi = (v >>> 4) | (bits >>> (4 + p) & 1) << 4;
                    dst[off + 32 * b + 8 * e + 2 * p] = (float) (lo - 16) * d;
                    dst[off + 32 * b + 8 * e + 2 * p + 1] = (float) (hi - 16) * d;
                }
            }
        }
    }
}
