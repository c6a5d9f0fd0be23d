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
 * Q4_K weights repacked for the integer kernel with rows in lanes, as {@link Q4_0R32Matrix} does for Q4_0 (read
 * that first): activations quantised to int8 per block of 32 ({@link Int8Activations}), each sub-block's
 * {@code Σ q·x} summed in int16/int32 lanes. Q4_K's value is {@code d1·q − m1} with {@code d1 = d·sc[j]} and
 * {@code m1 = dmin·m[j]} per sub-block of 32 ({@link Q4_KMatrix}), so per sub-block
 * {@code Σ (d1·q − m1)·x ≈ d1·dx·Σ q·x_q − m1·dx·Σ x_q}: two FMAs per 32 rows, with {@code d1} and {@code m1}
 * computed in f32 exactly as ggml computes them. The same values as the source ({@link #row} bit for bit).
 *
 * <p>Layout: rows in groups of 32 (the last padded with zero rows); per group and super-block of 256 columns,
 * 4864 bytes: the 32 rows' {@code d} (128 bytes) and {@code dmin} (128) as f32 (converted from f16 exactly), then
 * per sub-block {@code j} of 32 columns its 6-bit scales {@code sc[j][row]} (32 bytes) and minimums
 * {@code m[j][row]} (32), one byte each, and its 8 column quads of 64 bytes as in {@link Q4_0R32Matrix} (16-bit word
 * {@code k} of quad {@code u}: row {@code k}'s {@code q} of the sub-block's columns {@code 4u .. 4u + 3}). Each
 * sub-block's int16 sum starts at {@code −8·Σ x} (so it ends at {@code Σ (q − 8)·x}, inside int16 although partial sums
 * wrap) and gets {@code 8·Σ x} back in int32: {@code Σ q·x} exactly. 4.75 bits
 * per weight (Q4_K: 4.5). Each sub-block's scales sit just before its quants because the kernel reads them in that
 * order: with all the scales of a super-block at its head (the first layout), every sub-block jumped back to the
 * head and the matrix streamed from memory at 7.6 GB/s on one thread where Q4_0's sequential layout streams at 18.5;
 * with the scales in line, 14 GB/s ({@code StreamTiming} in engine-bench, 2026-12-06).
 *
 * <p>Used by the loader with {@code --int8-activations} (docs/performance.md has the end-to-end figures).
 */
public final class Q4_KR32Matrix extends RowLaneMatrix {
    private static final int D = 0;
    private static final int DMIN = 4 * R;
    private static final int HEAD = 8 * R;
    /** Bytes per column quad: one 16-bit word per row. */
    private static final int QUAD = 2 * R;
    /** Bytes per sub-block: its scales, its minimums, its 8 column quads. */
    private static final int SUB = 2 * R + 8 * QUAD;
    private static final int SC = HEAD;
    private static final int MIN = HEAD + R;
    private static final int QS = HEAD + 2 * R;
    /** Bytes per group and super-block. */
    static final int GROUP_BLOCK_BYTES = HEAD + 8 * SUB;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q4_K matrices), its size. */
    static final Layout<Q4_KR32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q4_K, Q4_KMatrix.class,
            KBlocks.QK_K, Q4_KMatrix.BLOCK_BYTES, GROUP_BLOCK_BYTES, Q4_KR32Matrix::put, Q4_KR32Matrix::new);

    /** Super-blocks per row. */
    private final int nb;

    private Q4_KR32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / KBlocks.QK_K) * GROUP_BLOCK_BYTES);
        this.nb = cols / KBlocks.QK_K;
    }

    /** Row {@code k}'s super-block (ggml's bytes at {@code blk[bo]}) into the group's at {@code buf[o]}. */
    private static void put(byte[] blk, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + D + 4 * k, f16Bits(blk, bo));
        putFloatBits(buf, o + DMIN + 4 * k, f16Bits(blk, bo + 2));
        for (int j = 0; j < 8; j++) {
            buf[o + SC + SUB * j + k] = (byte) scaleMin(blk, bo, j, false);
            buf[o + MIN + SUB * j + k] = (byte) scaleMin(blk, bo, j, true);
            // sub-block j: the low (even j) or high (odd j) nibbles of bytes 32·(j / 2) + l
            for (int u = 0; u < 8; u++) {
                int word = 0;
                for (int i = 0; i < 4; i++) {
                    word |= nibble(blk, bo, j, 4 * u + i) << 4 * i;
                }
                buf[o + QS + SUB * j + QUAD * u + 2 * k] = (byte) word;
                buf[o + QS + SUB * j + QUAD * u + 2 * k + 1] = (byte) (word >>> 8);
            }
        }
    }

    /** Value {@code l} of sub-block {@code j} of the Q4_K super-block at {@code blk[bo]}. */
    private static int nibble(byte[] blk, int bo, int j, int l) {
        int v = blk[bo + 16 + 32 * (j >> 1) + l] & 0xFF;
        return (j & 1) == 0 ? v & 15 : v >>> 4;
    }

    /** ggml's {@code get_scale_min_k4}: the 6-bit scale or minimum of sub-block {@code j} (Q4_K's and Q5_K's). */
    static int scaleMin(byte[] blk, int bo, int j, boolean min) {
        int o = bo + 4;
        if (j < 4) {
            return (blk[o + j + (min ? 4 : 0)] & 63);
        }
        return min ? ((blk[o + j + 4] & 0xFF) >>> 4) | ((blk[o + j] & 0xFF) >>> 6) << 4
                : (blk[o + j + 4] & 15) | ((blk[o + j - 4] & 0xFF) >>> 6) << 4;
    }

    /** Q4_K: the values are the source matrix's. */
    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q4_K;
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
            // one flat loop over the row's sub-blocks (u = 8·super-block + j), the super-block's d and dmin converted
            // again for each: a constant 8-trip inner loop was unrolled by C2 into a method too big to compile with
            // its vector operations intrinsified (measured: slower than the f32 kernel in a real decode)
            for (int u = 0; u < 8 * nb; u++) {
                int sb = u >> 3;
                int j = u & 7;
                long o = base + (long) sb * GROUP_BLOCK_BYTES;
                // d and dmin of the rows, f32 (converted at the repack, as in Q4_0R32Matrix)
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                int xblk = xb + u;
                short[] k = a.quad;
                ShortVector acc = ShortVector.broadcast(S, (short) (-8 * a.sum[xblk]));
                for (int v = 0; v < 8; v++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    int c = xq + 32 * u + 4 * v;
                    acc = acc.add(w.mul(k[c]))
                            .add(w.lanewise(VectorOperators.LSHR, 4).mul(k[c + 1]))
                            .add(w.lanewise(VectorOperators.LSHR, 8).mul(k[c + 2]))
                            .add(w.lanewise(VectorOperators.LSHR, 12).mul(k[c + 3]));
                }
                int back = 8 * a.sum[xblk];
                IntVector s0 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0)).add(back);
                IntVector s1 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1)).add(back);
                float dx = a.d[xblk];
                FloatVector minus = FloatVector.broadcast(F, -(dx * a.sum[xblk]));
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, o + MIN + (long) SUB * j + (long) SL * part, LE);
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
            // one flat loop over the row's sub-blocks (u = 8·super-block + j), the super-block's d and dmin converted
            // again for each: a constant 8-trip inner loop was unrolled by C2 into a method too big to compile with
            // its vector operations intrinsified (measured: slower than the f32 kernel in a real decode)
            for (int u = 0; u < 8 * nb; u++) {
                int sb = u >> 3;
                int j = u & 7;
                long o = base + (long) sb * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) sb * GROUP_BLOCK_BYTES;
                // d and dmin of the rows, f32 (converted at the repack, as in Q4_0R32Matrix)
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d0B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector d1B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m0B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                FloatVector m1B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part + 2L * SL, LE);
                int xblk = xb + u;
                short[] k = a.quad;
                ShortVector acc = ShortVector.broadcast(S, (short) (-8 * a.sum[xblk]));
                ShortVector accB = ShortVector.broadcast(S, (short) (-8 * a.sum[xblk]));
                for (int v = 0; v < 8; v++) {
                    ShortVector w = ShortVector.fromMemorySegment(S, data, o + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    ShortVector wB = ShortVector.fromMemorySegment(S, dataB, oB + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    int c = xq + 32 * u + 4 * v;
                    acc = acc.add(w.mul(k[c]))
                            .add(w.lanewise(VectorOperators.LSHR, 4).mul(k[c + 1]))
                            .add(w.lanewise(VectorOperators.LSHR, 8).mul(k[c + 2]))
                            .add(w.lanewise(VectorOperators.LSHR, 12).mul(k[c + 3]));
                    accB = accB.add(wB.mul(k[c]))
                            .add(wB.lanewise(VectorOperators.LSHR, 4).mul(k[c + 1]))
                            .add(wB.lanewise(VectorOperators.LSHR, 8).mul(k[c + 2]))
                            .add(wB.lanewise(VectorOperators.LSHR, 12).mul(k[c + 3]));
                }
                int back = 8 * a.sum[xblk];
                IntVector s0 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 0)).add(back);
                IntVector s0B = ((IntVector) accB.convertShape(VectorOperators.S2I, I, 0)).add(back);
                IntVector s1 = ((IntVector) acc.convertShape(VectorOperators.S2I, I, 1)).add(back);
                IntVector s1B = ((IntVector) accB.convertShape(VectorOperators.S2I, I, 1)).add(back);
                float dx = a.d[xblk];
                FloatVector minus = FloatVector.broadcast(F, -(dx * a.sum[xblk]));
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector scB = ByteVector.fromMemorySegment(B, dataB, oB + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, o + MIN + (long) SUB * j + (long) SL * part, LE);
                ByteVector mnB = ByteVector.fromMemorySegment(B, dataB, oB + MIN + (long) SUB * j + (long) SL * part, LE);
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

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column quad loaded and shifted once. */
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
                int sb = w >> 3;
                int j = w & 7;
                long o = base + (long) sb * GROUP_BLOCK_BYTES;
                short[] k = a.quad;
                int bt = t * nbx + w;
                int bu = u * nbx + w;
                ShortVector accT = ShortVector.broadcast(S, (short) (-8 * a.sum[bt]));
                ShortVector accU = ShortVector.broadcast(S, (short) (-8 * a.sum[bu]));
                for (int v = 0; v < 8; v++) {
                    ShortVector q0 = ShortVector.fromMemorySegment(S, data, o + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    ShortVector q1 = q0.lanewise(VectorOperators.LSHR, 4);
                    ShortVector q2 = q0.lanewise(VectorOperators.LSHR, 8);
                    ShortVector q3 = q0.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * w + 4 * v;
                    accT = accT.add(q0.mul(k[xt + c])).add(q1.mul(k[xt + c + 1])).add(q2.mul(k[xt + c + 2])).add(q3.mul(k[xt + c + 3]));
                    accU = accU.add(q0.mul(k[xu + c])).add(q1.mul(k[xu + c + 1])).add(q2.mul(k[xu + c + 2])).add(q3.mul(k[xu + c + 3]));
                }
                IntVector st0 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 0)).add(8 * a.sum[bt]);
                IntVector st1 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 1)).add(8 * a.sum[bt]);
                IntVector su0 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 0)).add(8 * a.sum[bu]);
                IntVector su1 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 1)).add(8 * a.sum[bu]);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, o + MIN + (long) SUB * j + (long) SL * part, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
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
        int nbx = cols / Int8Activations.QK;
        for (int part = 0; part < PARTS; part++) {
            FloatVector yt0 = FloatVector.zero(F);
            FloatVector yt0B = FloatVector.zero(F);
            FloatVector yt1 = FloatVector.zero(F);
            FloatVector yt1B = FloatVector.zero(F);
            FloatVector yu0 = FloatVector.zero(F);
            FloatVector yu0B = FloatVector.zero(F);
            FloatVector yu1 = FloatVector.zero(F);
            FloatVector yu1B = FloatVector.zero(F);
            for (int w = 0; w < 8 * nb; w++) { // flat over sub-blocks, as group
                int sb = w >> 3;
                int j = w & 7;
                long o = base + (long) sb * GROUP_BLOCK_BYTES;
                long oB = baseB + (long) sb * GROUP_BLOCK_BYTES;
                short[] k = a.quad;
                int bt = t * nbx + w;
                int bu = u * nbx + w;
                ShortVector accT = ShortVector.broadcast(S, (short) (-8 * a.sum[bt]));
                ShortVector accTB = ShortVector.broadcast(S, (short) (-8 * a.sum[bt]));
                ShortVector accU = ShortVector.broadcast(S, (short) (-8 * a.sum[bu]));
                ShortVector accUB = ShortVector.broadcast(S, (short) (-8 * a.sum[bu]));
                for (int v = 0; v < 8; v++) {
                    ShortVector q0 = ShortVector.fromMemorySegment(S, data, o + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    ShortVector q0B = ShortVector.fromMemorySegment(S, dataB, oB + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    ShortVector q1 = q0.lanewise(VectorOperators.LSHR, 4);
                    ShortVector q1B = q0B.lanewise(VectorOperators.LSHR, 4);
                    ShortVector q2 = q0.lanewise(VectorOperators.LSHR, 8);
                    ShortVector q2B = q0B.lanewise(VectorOperators.LSHR, 8);
                    ShortVector q3 = q0.lanewise(VectorOperators.LSHR, 12);
                    ShortVector q3B = q0B.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * w + 4 * v;
                    accT = accT.add(q0.mul(k[xt + c])).add(q1.mul(k[xt + c + 1])).add(q2.mul(k[xt + c + 2])).add(q3.mul(k[xt + c + 3]));
                    accTB = accTB.add(q0B.mul(k[xt + c])).add(q1B.mul(k[xt + c + 1])).add(q2B.mul(k[xt + c + 2])).add(q3B.mul(k[xt + c + 3]));
                    accU = accU.add(q0.mul(k[xu + c])).add(q1.mul(k[xu + c + 1])).add(q2.mul(k[xu + c + 2])).add(q3.mul(k[xu + c + 3]));
                    accUB = accUB.add(q0B.mul(k[xu + c])).add(q1B.mul(k[xu + c + 1])).add(q2B.mul(k[xu + c + 2])).add(q3B.mul(k[xu + c + 3]));
                }
                IntVector st0 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 0)).add(8 * a.sum[bt]);
                IntVector st0B = ((IntVector) accTB.convertShape(VectorOperators.S2I, I, 0)).add(8 * a.sum[bt]);
                IntVector st1 = ((IntVector) accT.convertShape(VectorOperators.S2I, I, 1)).add(8 * a.sum[bt]);
                IntVector st1B = ((IntVector) accTB.convertShape(VectorOperators.S2I, I, 1)).add(8 * a.sum[bt]);
                IntVector su0 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 0)).add(8 * a.sum[bu]);
                IntVector su0B = ((IntVector) accUB.convertShape(VectorOperators.S2I, I, 0)).add(8 * a.sum[bu]);
                IntVector su1 = ((IntVector) accU.convertShape(VectorOperators.S2I, I, 1)).add(8 * a.sum[bu]);
                IntVector su1B = ((IntVector) accUB.convertShape(VectorOperators.S2I, I, 1)).add(8 * a.sum[bu]);
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d0B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector d1B = FloatVector.fromMemorySegment(F, dataB, oB + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m0B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                FloatVector m1B = FloatVector.fromMemorySegment(F, dataB, oB + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector scB = ByteVector.fromMemorySegment(B, dataB, oB + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, o + MIN + (long) SUB * j + (long) SL * part, LE);
                ByteVector mnB = ByteVector.fromMemorySegment(B, dataB, oB + MIN + (long) SUB * j + (long) SL * part, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e0B = d0B.mul((FloatVector) ((ShortVector) scB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector e1B = d1B.mul((FloatVector) ((ShortVector) scB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n0B = m0B.mul((FloatVector) ((ShortVector) mnB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n1B = m1B.mul((FloatVector) ((ShortVector) mnB.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                float dt = a.d[bt];
                float du = a.d[bu];
                FloatVector minusT = FloatVector.broadcast(F, -(dt * a.sum[bt]));
                FloatVector minusU = FloatVector.broadcast(F, -(du * a.sum[bu]));
                yt0 = ((FloatVector) st0.convert(VectorOperators.I2F, 0)).fma(e0.mul(dt), yt0);
                yt0B = ((FloatVector) st0B.convert(VectorOperators.I2F, 0)).fma(e0B.mul(dt), yt0B);
                yt1 = ((FloatVector) st1.convert(VectorOperators.I2F, 0)).fma(e1.mul(dt), yt1);
                yt1B = ((FloatVector) st1B.convert(VectorOperators.I2F, 0)).fma(e1B.mul(dt), yt1B);
                yt0 = n0.fma(minusT, yt0);
                yt0B = n0B.fma(minusT, yt0B);
                yt1 = n1.fma(minusT, yt1);
                yt1B = n1B.fma(minusT, yt1B);
                yu0 = ((FloatVector) su0.convert(VectorOperators.I2F, 0)).fma(e0.mul(du), yu0);
                yu0B = ((FloatVector) su0B.convert(VectorOperators.I2F, 0)).fma(e0B.mul(du), yu0B);
                yu1 = ((FloatVector) su1.convert(VectorOperators.I2F, 0)).fma(e1.mul(du), yu1);
                yu1B = ((FloatVector) su1B.convert(VectorOperators.I2F, 0)).fma(e1B.mul(du), yu1B);
                yu0 = n0.fma(minusU, yu0);
                yu0B = n0B.fma(minusU, yu0B);
                yu1 = n1.fma(minusU, yu1);
                yu1B = n1B.fma(minusU, yu1B);
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

    /** Up to 16 rows the integer kernel beats the f32 panel product here (measured, see {@link RowLaneMatrix#integerRows}). */
    @Override
    int integerRows() {
        return 16;
    }

    /** The four-row kernel with a row repeated is cheaper than a pair and a single row here (measured). */
    @Override
    boolean fourRowsForThree() {
        return true;
    }

    /**
     * {@link #group} for tokens {@code t .. t+m−1}, {@code m} = 3 or 4 (token {@code t+i} into {@code out[off + i·stride ..]}): each column
     * quad loaded and shifted once for four tokens: {@link #group}'s integers exactly, and its f32 operations in its
     * order.
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
                int sb = w >> 3;
                int j = w & 7;
                long o = base + (long) sb * GROUP_BLOCK_BYTES;
                short[] k = a.quad;
                int b0 = t * nbx + w;
                int b1 = b0 + nbx;
                int b2 = b1 + nbx;
                int b3 = b0 + last * nbx;
                ShortVector c0 = ShortVector.broadcast(S, (short) (-8 * a.sum[b0]));
                ShortVector c1 = ShortVector.broadcast(S, (short) (-8 * a.sum[b1]));
                ShortVector c2 = ShortVector.broadcast(S, (short) (-8 * a.sum[b2]));
                ShortVector c3 = ShortVector.broadcast(S, (short) (-8 * a.sum[b3]));
                for (int v = 0; v < 8; v++) {
                    ShortVector q0 = ShortVector.fromMemorySegment(S, data, o + QS + (long) SUB * j + (long) QUAD * v + 2L * SL * part, LE);
                    ShortVector q1 = q0.lanewise(VectorOperators.LSHR, 4);
                    ShortVector q2 = q0.lanewise(VectorOperators.LSHR, 8);
                    ShortVector q3 = q0.lanewise(VectorOperators.LSHR, 12);
                    int c = 32 * w + 4 * v;
                    c0 = c0.add(q0.mul(k[x0 + c])).add(q1.mul(k[x0 + c + 1])).add(q2.mul(k[x0 + c + 2])).add(q3.mul(k[x0 + c + 3]));
                    c1 = c1.add(q0.mul(k[x1 + c])).add(q1.mul(k[x1 + c + 1])).add(q2.mul(k[x1 + c + 2])).add(q3.mul(k[x1 + c + 3]));
                    c2 = c2.add(q0.mul(k[x2 + c])).add(q1.mul(k[x2 + c + 1])).add(q2.mul(k[x2 + c + 2])).add(q3.mul(k[x2 + c + 3]));
                    c3 = c3.add(q0.mul(k[x3 + c])).add(q1.mul(k[x3 + c + 1])).add(q2.mul(k[x3 + c + 2])).add(q3.mul(k[x3 + c + 3]));
                }
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, o + MIN + (long) SUB * j + (long) SL * part, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                float dx0 = a.d[b0], dx1 = a.d[b1], dx2 = a.d[b2], dx3 = a.d[b3];
                int k0 = 8 * a.sum[b0], k1 = 8 * a.sum[b1], k2 = 8 * a.sum[b2], k3 = 8 * a.sum[b3];
                y00 = ((FloatVector) ((IntVector) c0.convertShape(VectorOperators.S2I, I, 0)).add(k0).convert(VectorOperators.I2F, 0)).fma(e0.mul(dx0), y00);
                y01 = ((FloatVector) ((IntVector) c0.convertShape(VectorOperators.S2I, I, 1)).add(k0).convert(VectorOperators.I2F, 0)).fma(e1.mul(dx0), y01);
                y00 = n0.fma(FloatVector.broadcast(F, -(dx0 * a.sum[b0])), y00);
                y01 = n1.fma(FloatVector.broadcast(F, -(dx0 * a.sum[b0])), y01);
                y10 = ((FloatVector) ((IntVector) c1.convertShape(VectorOperators.S2I, I, 0)).add(k1).convert(VectorOperators.I2F, 0)).fma(e0.mul(dx1), y10);
                y11 = ((FloatVector) ((IntVector) c1.convertShape(VectorOperators.S2I, I, 1)).add(k1).convert(VectorOperators.I2F, 0)).fma(e1.mul(dx1), y11);
                y10 = n0.fma(FloatVector.broadcast(F, -(dx1 * a.sum[b1])), y10);
                y11 = n1.fma(FloatVector.broadcast(F, -(dx1 * a.sum[b1])), y11);
                y20 = ((FloatVector) ((IntVector) c2.convertShape(VectorOperators.S2I, I, 0)).add(k2).convert(VectorOperators.I2F, 0)).fma(e0.mul(dx2), y20);
                y21 = ((FloatVector) ((IntVector) c2.convertShape(VectorOperators.S2I, I, 1)).add(k2).convert(VectorOperators.I2F, 0)).fma(e1.mul(dx2), y21);
                y20 = n0.fma(FloatVector.broadcast(F, -(dx2 * a.sum[b2])), y20);
                y21 = n1.fma(FloatVector.broadcast(F, -(dx2 * a.sum[b2])), y21);
                y30 = ((FloatVector) ((IntVector) c3.convertShape(VectorOperators.S2I, I, 0)).add(k3).convert(VectorOperators.I2F, 0)).fma(e0.mul(dx3), y30);
                y31 = ((FloatVector) ((IntVector) c3.convertShape(VectorOperators.S2I, I, 1)).add(k3).convert(VectorOperators.I2F, 0)).fma(e1.mul(dx3), y31);
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code d1·q − m1}, as {@link #row}. One flat loop over column quads. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 4; u < c1 / 4; u++) { // column quads: 8 per sub-block, 64 per super-block
                long o = base + (long) (u >> 6) * GROUP_BLOCK_BYTES;
                int j = (u >> 3) & 7;
                FloatVector d0 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part, LE);
                FloatVector d1 = FloatVector.fromMemorySegment(F, data, o + D + 4L * SL * part + 2L * SL, LE);
                FloatVector m0 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part, LE);
                FloatVector m1 = FloatVector.fromMemorySegment(F, data, o + DMIN + 4L * SL * part + 2L * SL, LE);
                ByteVector sc = ByteVector.fromMemorySegment(B, data, o + SC + (long) SUB * j + (long) SL * part, LE);
                ByteVector mn = ByteVector.fromMemorySegment(B, data, o + MIN + (long) SUB * j + (long) SL * part, LE);
                FloatVector e0 = d0.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector e1 = d1.mul((FloatVector) ((ShortVector) sc.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                FloatVector n0 = m0.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0));
                FloatVector n1 = m1.mul((FloatVector) ((ShortVector) mn.convertShape(VectorOperators.B2S, S, 0)).convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0));
                ShortVector w = ShortVector.fromMemorySegment(S, data, o + QS + (long) SUB * j + (long) QUAD * (u & 7) + 2L * SL * part, LE);
                int at = (4 * u - c0) * R + SL * part;
                for (int i = 0; i < 4; i++) {
                    ShortVector q = w.lanewise(VectorOperators.LSHR, 4 * i).and((short) 15);
                    e0.mul((FloatVector) q.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).sub(n0).intoArray(panel, at + i * R);
                    e1.mul((FloatVector) q.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).sub(n1).intoArray(panel, at + i * R + SL / 2);
                }
            }
        }
    }

    /** Row {@code row}'s values: {@code d1·q − m1}, as {@link Q4_KMatrix#row} gives them. */
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
                float d1 = d * (data.get(ValueLayout.JAVA_BYTE, o + SC + (long) SUB * j + k) & 0xFF);
                float m1 = dmin * (data.get(ValueLayout.JAVA_BYTE, o + MIN + (long) SUB * j + k) & 0xFF);
                int y = off + 256 * sb + 32 * j;
                for (int u = 0; u < 8; u++) {
                    int word = data.get(Blocks.LE_SHORT, o + QS + (long) SUB * j + (long) QUAD * u + 2L * k) & 0xFFFF;
                    for (int i = 0; i < 4; i++) {
                        dst[y + 4 * u + i] = d1 * (word >>> 4 * i & 15) - m1;
                    }
                }
            }
        }
    }
}
