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
 * Q4_0 weights repacked for integer arithmetic with rows in lanes (the idea of ik_llama.cpp's row-interleaved
 * {@code _R4}/{@code _R8} types), multiplied by activations quantised to int8 ({@link Int8Activations}): the
 * integer kernel of the speed issue. The same values as the {@link Q4_0Matrix} it is made from ({@link #row} gives
 * them bit for bit); the products round like llama.cpp's Q4_0 × Q8_0 dot, not like the exact f32 kernels.
 *
 * <p>Layout: rows in groups of 32 (the last one padded with zero rows); per group, per block of 32 columns, 640
 * bytes: the 32 rows' scales as f32 (128 bytes; Q4_0's f16 scale, converted exactly), then 16 column pairs of 32
 * bytes, byte {@code k} of pair {@code p} holding row {@code k}'s 4-bit {@code q} of column {@code 2p} (low nibble)
 * and {@code 2p + 1} (high nibble). 5 bits per weight (Q4_0: 4.5).
 *
 * <p>Kernel: per column pair, one load of 32 bytes widened to 32 int16 lanes (one per row), the two nibbles
 * masked out and multiplied by the broadcast int8 activation of their column, added in int16 (16 columns of
 * {@code q·x} fit: 16·15·127 &lt; 2¹⁵), widened to int32 every 16 columns; per block {@code Σ (q − 8)·x =
 * Σ q·x − 8·Σ x}, converted to f32 once and multiplied by the row's scale times the activation block's scale. No
 * horizontal sums and one vector operation per 6 multiply-adds, against about 2 for the f32 kernel with its
 * widening (measured in cache, one thread: 2.0× {@link Q4_0Matrix}; {@code IntegerDotLeads}).
 *
 * <p>{@link #matVec}, {@link #matVecRows}, {@link #dot} and {@link #matMul} up to {@link #integerRows} rows (a
 * prefill's experts) compute each output with the same operations (batched decoding and speculative verification get
 * the bits of a decode step); above it {@link #matMul} is the f32 panel product.
 */
public final class Q4_0R32Matrix extends RowLaneMatrix {
    /** The rows' scales, as f32 (converted from f16 at the repack, exactly). */
    private static final int SCALE_BYTES = 4 * R;
    /** Bytes per group and block of 32 columns. */
    static final int GROUP_BLOCK_BYTES = SCALE_BYTES + 16 * R;
    /** The layout: its repack ({@link IntegerKernels#repack} picks it for Q4_0 matrices), its size. */
    static final Layout<Q4_0R32Matrix> LAYOUT = new Layout<>(MatrixFormat.Q4_0, Q4_0Matrix.class,
            Int8Activations.QK, Q4_0Matrix.BLOCK, GROUP_BLOCK_BYTES, Q4_0R32Matrix::put, Q4_0R32Matrix::new);

    private final int nb;

    private Q4_0R32Matrix(Chunks data, int rows, int cols) {
        super(data, rows, cols, (long) (cols / Int8Activations.QK) * GROUP_BLOCK_BYTES);
        this.nb = cols / Int8Activations.QK;
    }

    /** Row {@code k}'s block (ggml's bytes at {@code block[bo]}) into the group's at {@code buf[o]}. */
    static void put(byte[] block, int bo, byte[] buf, int o, int k) {
        putFloatBits(buf, o + 4 * k, f16Bits(block, bo));
        for (int p = 0; p < 8; p++) { // values 2p, 2p + 1 are low nibbles; 16 + 2p, 17 + 2p high ones
            int lo = block[bo + 2 + 2 * p] & 0xFF;
            int hi = block[bo + 3 + 2 * p] & 0xFF;
            buf[o + SCALE_BYTES + R * p + k] = (byte) ((lo & 15) | (hi & 15) << 4);
            buf[o + SCALE_BYTES + R * (p + 8) + k] = (byte) (lo >>> 4 | (hi >>> 4) << 4);
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
        int xq = t * cols;
        int xb = t * nb;
        for (int part = 0; part < PARTS; part++) {
            FloatVector y0 = FloatVector.zero(F);
            FloatVector y1 = FloatVector.zero(F);
            for (int b = 0; b < nb; b++) {
                long o = base + (long) b * GROUP_BLOCK_BYTES;
                IntVector s0 = IntVector.zero(I);
                IntVector s1 = IntVector.zero(I);
                for (int h = 0; h < 2; h++) {
                    ShortVector acc = ShortVector.zero(S);
                    for (int p = 0; p < 8; p++) {
                        long qo = o + SCALE_BYTES + (long) R * (8 * h + p) + (long) SL * part;
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                        int c = xq + 32 * b + 16 * h + 2 * p;
                        acc = acc.add(q.and((short) 15).mul(a.q[c]))
                                .add(q.lanewise(VectorOperators.LSHR, 4).and((short) 15).mul(a.q[c + 1]));
                    }
                    s0 = s0.add(acc.convertShape(VectorOperators.S2I, I, 0));
                    s1 = s1.add(acc.convertShape(VectorOperators.S2I, I, 1));
                }
                int m = 8 * a.sum[xb + b];
                float dx = a.d[xb + b];
                // the rows' scales, f32: the repack converts them, because widening f16 bits by a shift and a
                // reinterpretation is the pattern C2 once aborted on at 128 bits ("LSHIFT: float", in BF16Matrix)
                FloatVector w0 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part, LE);
                FloatVector w1 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part + 2L * SL, LE);
                y0 = ((FloatVector) s0.sub(m).convert(VectorOperators.I2F, 0)).fma(w0.mul(dx), y0);
                y1 = ((FloatVector) s1.sub(m).convert(VectorOperators.I2F, 0)).fma(w1.mul(dx), y1);
            }
            y0.intoArray(out, off + SL * part);
            y1.intoArray(out, off + SL * part + SL / 2);
        }
    }

    /** {@link #group} for tokens {@code t} and {@code u} at once: each column pair loaded and unpacked once. */
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
                for (int h = 0; h < 2; h++) {
                    ShortVector accT = ShortVector.zero(S);
                    ShortVector accU = ShortVector.zero(S);
                    for (int p = 0; p < 8; p++) {
                        long qo = o + SCALE_BYTES + (long) R * (8 * h + p) + (long) SL * part;
                        ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                        ShortVector lo = q.and((short) 15);
                        ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15);
                        int c = 32 * b + 16 * h + 2 * p;
                        accT = accT.add(lo.mul(a.q[xt + c])).add(hi.mul(a.q[xt + c + 1]));
                        accU = accU.add(lo.mul(a.q[xu + c])).add(hi.mul(a.q[xu + c + 1]));
                    }
                    st0 = st0.add(accT.convertShape(VectorOperators.S2I, I, 0));
                    st1 = st1.add(accT.convertShape(VectorOperators.S2I, I, 1));
                    su0 = su0.add(accU.convertShape(VectorOperators.S2I, I, 0));
                    su1 = su1.add(accU.convertShape(VectorOperators.S2I, I, 1));
                }
                FloatVector w0 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part, LE);
                FloatVector w1 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part + 2L * SL, LE);
                int bt = t * nb + b;
                int bu = u * nb + b;
                float dt = a.d[bt];
                float du = a.d[bu];
                yt0 = ((FloatVector) st0.sub(8 * a.sum[bt]).convert(VectorOperators.I2F, 0)).fma(w0.mul(dt), yt0);
                yt1 = ((FloatVector) st1.sub(8 * a.sum[bt]).convert(VectorOperators.I2F, 0)).fma(w1.mul(dt), yt1);
                yu0 = ((FloatVector) su0.sub(8 * a.sum[bu]).convert(VectorOperators.I2F, 0)).fma(w0.mul(du), yu0);
                yu1 = ((FloatVector) su1.sub(8 * a.sum[bu]).convert(VectorOperators.I2F, 0)).fma(w1.mul(du), yu1);
            }
            yt0.intoArray(out, offT + SL * part);
            yt1.intoArray(out, offT + SL * part + SL / 2);
            yu0.intoArray(out, offU + SL * part);
            yu1.intoArray(out, offU + SL * part + SL / 2);
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
     * pair loaded and unpacked once for four tokens. The nibbles are made signed ({@code q − 8}) before the multiplies,
     * so a whole block of 32 columns fits the int16 sums ({@code 32·8·127 < 2¹⁵}) and needs no {@code 8·Σx} term:
     * the same integers as {@link #group}'s {@code Σ q·x − 8·Σ x}, then the same f32 operations in the same order.
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
                ShortVector c0 = ShortVector.zero(S), c1 = ShortVector.zero(S), c2 = ShortVector.zero(S), c3 = ShortVector.zero(S);
                for (int p = 0; p < 16; p++) {
                    long qo = o + SCALE_BYTES + (long) R * p + (long) SL * part;
                    ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, qo, LE).convertShape(VectorOperators.B2S, S, 0);
                    ShortVector lo = q.and((short) 15).sub((short) 8);
                    ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).sub((short) 8);
                    int c = 32 * b + 2 * p;
                    c0 = c0.add(lo.mul(a.q[x0 + c])).add(hi.mul(a.q[x0 + c + 1]));
                    c1 = c1.add(lo.mul(a.q[x1 + c])).add(hi.mul(a.q[x1 + c + 1]));
                    c2 = c2.add(lo.mul(a.q[x2 + c])).add(hi.mul(a.q[x2 + c + 1]));
                    c3 = c3.add(lo.mul(a.q[x3 + c])).add(hi.mul(a.q[x3 + c + 1]));
                }
                FloatVector w0 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part, LE);
                FloatVector w1 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part + 2L * SL, LE);
                int xb = t * nb + b;
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

    /** Columns {@code [c0, c1)} of group {@code g}: {@code (q − 8)·d}, as {@link #row}. One flat loop over column pairs. */
    @Override
    void values(int g, int c0, int c1, float[] panel) {
        MemorySegment data = chunk(g);
        long base = offset(g);
        for (int part = 0; part < PARTS; part++) {
            for (int u = c0 / 2; u < c1 / 2; u++) {
                long o = base + (long) (u >> 4) * GROUP_BLOCK_BYTES;
                FloatVector w0 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part, LE);
                FloatVector w1 = FloatVector.fromMemorySegment(F, data, o + 4L * SL * part + 2L * SL, LE);
                ShortVector q = (ShortVector) ByteVector.fromMemorySegment(B, data, o + SCALE_BYTES + (long) R * (u & 15) + (long) SL * part, LE)
                        .convertShape(VectorOperators.B2S, S, 0);
                ShortVector lo = q.and((short) 15).sub((short) 8);
                ShortVector hi = q.lanewise(VectorOperators.LSHR, 4).and((short) 15).sub((short) 8);
                int at = (2 * u - c0) * R + SL * part;
                ((FloatVector) lo.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).mul(w0).intoArray(panel, at);
                ((FloatVector) lo.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).mul(w1).intoArray(panel, at + SL / 2);
                ((FloatVector) hi.convertShape(VectorOperators.S2I, I, 0).convert(VectorOperators.I2F, 0)).mul(w0).intoArray(panel, at + R);
                ((FloatVector) hi.convertShape(VectorOperators.S2I, I, 1).convert(VectorOperators.I2F, 0)).mul(w1).intoArray(panel, at + R + SL / 2);
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
            float d = data.get(LE_FLOAT, o + 4L * k);
            for (int p = 0; p < 16; p++) {
                int v = data.get(ValueLayout.JAVA_BYTE, o + SCALE_BYTES + (long) R * p + k) & 0xFF;
                dst[off + 32 * b + 2 * p] = (float) ((v & 15) - 8) * d;
                dst[off + 32 * b + 2 * p + 1] = (float) ((v >>> 4) - 8) * d;
            }
        }
    }
}
