package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml's Q6_K, in ggml's own layout (a GGUF tensor is wrapped in place). A row is {@code cols / 256} super-blocks
 * of 210 bytes, rows follow each other without padding:
 * <pre>
 *   block_q6_K {
 *     u8    ql[128];     bytes   0–127  low 4 bits: for half h &lt; 2 and l &lt; 32, byte 64h + l holds value
 *                                       128h + l (low nibble) and 128h + 64 + l (high nibble); byte 64h + 32 + l
 *                                       holds 128h + 32 + l and 128h + 96 + l
 *     u8    qh[64];      bytes 128–191  high 2 bits: bits 2t–2t+1 of byte 32h + l belong to value 128h + 32t + l
 *     i8    scales[16];  bytes 192–207  one signed scale per sub-block of 16 values
 *     f16   d;           bytes 208–209  scale of the scales
 *   }
 * </pre>
 * Value {@code k} of a super-block is {@code d·scales[k / 16]·(q − 32)} with the 6-bit {@code q} put together from
 * its 4 + 2 bits, computed as ggml's {@code dequantize_row_q6_K} does: {@code (d·scale)} rounded to f32, then times
 * {@code q − 32}. {@link #row} gives ggml's floats bit for bit.
 *
 * <p>Kernels. One pass over 16 bytes of each of {@code ql}'s two halves and of {@code qh} yields four runs of 16
 * values (four sub-blocks): each is a nibble (an AND or a shift) OR-ed with its two high bits (a shift and an AND
 * of {@code qh}), minus 32, done on 16 bytes; then widened to f32 and multiplied with the activations. Sub-blocks of
 * 16 values make the scale FMA one per 16 values (Q4_K: one per 32). The 16 scales are converted to f32 and
 * multiplied by {@code d} in one vector pass per super-block.
 */
public final class Q6_KMatrix extends SuperBlockMatrix {
    /** Bytes per super-block of 256 values. */
    static final int BLOCK_BYTES = 210;

    /** Wraps {@code rows × cols} values stored in ggml's layout at the start of {@code data} (no copy). */
    public Q6_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q6_K;
    }

    /** Nothing to precompute: returns scratch for a super-block's 16 scales. */
    @Override
    float[] prepare(float[] x, int xOff) {
        return new float[16];
    }

    /** Row {@code row}·x; {@code s} is scratch for a super-block's 16 scales. */
    @Override
    float dot(int row, float[] x, int xOff, float[] s) {
        long o = row * rowBytes;
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            scales(o, s);
            // the super-block inline, not in a helper: C2 does not inline a method this big once compiled, and
            // vectors passed to a method that is not inlined are boxed
            for (int h = 0; h < 2; h++) {
                long ql = o + 64L * h;
                long qh = o + 128 + 32L * h;
                int xh = xOff + QK_K * b + 128 * h;
                for (int c = 0; c < 32; c += FB_LANES) {
                    ByteVector a = KBlocks.load(data, ql, c);
                    ByteVector bq = KBlocks.load(data, ql + 32, c);
                    ByteVector hi = KBlocks.load(data, qh, c);
                    int j = 8 * h + c / 16;
                    acc = term(lowQuants(a, hi, 4), x, xh + c, s[j], acc);
                    acc = term(lowQuants(bq, hi, 2), x, xh + 32 + c, s[j + 2], acc);
                    acc = term(highQuants(a, hi, 0), x, xh + 64 + c, s[j + 4], acc);
                    acc = term(highQuants(bq, hi, 2), x, xh + 96 + c, s[j + 6], acc);
                }
            }
        }
        return Simd.sum(acc);
    }

    /** {@code s[j] = d·scales[j]} of the super-block at byte {@code o}, rounded to f32 as ggml does. */
    private void scales(long o, float[] s) {
        FloatVector d = FloatVector.broadcast(FB, KBlocks.f16(data, o + 208));
        for (int c = 0; c < 16; c += FB_LANES) {
            KBlocks.widen(KBlocks.load(data, o + 192, c)).mul(d).intoArray(s, c);
        }
    }

    /** {@code acc + scale·(q ⊙ x[xo ..])}. */
    private static FloatVector term(ByteVector q, float[] x, int xo, float scale, FloatVector acc) {
        return KBlocks.widen(q).mul(FloatVector.fromArray(FB, x, xo)).fma(FloatVector.broadcast(FB, scale), acc);
    }

    /** Low nibbles of {@code v} with bits 4–5 taken from {@code hi} shifted left by {@code shl}, minus 32. */
    private static ByteVector lowQuants(ByteVector v, ByteVector hi, int shl) {
        ByteVector h = hi.reinterpretAsInts().lanewise(VectorOperators.LSHL, shl).reinterpretAsBytes();
        return v.and((byte) 0x0F).or(h.and((byte) 0x30)).sub((byte) 32);
    }

    /** High nibbles of {@code v} with bits 4–5 taken from {@code hi} shifted right by {@code shr}, minus 32. */
    private static ByteVector highQuants(ByteVector v, ByteVector hi, int shr) {
        ByteVector h = hi.reinterpretAsInts().lanewise(VectorOperators.LSHR, shr).reinterpretAsBytes();
        return KBlocks.high4(v).or(h.and((byte) 0x30)).sub((byte) 32);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long o = row * rowBytes;
        float[] s = new float[16];
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            scales(o, s);
            for (int h = 0; h < 2; h++) {
                long ql = o + 64L * h;
                long qh = o + 128 + 32L * h;
                int y = off + QK_K * b + 128 * h;
                for (int c = 0; c < 32; c += FB_LANES) {
                    ByteVector a = KBlocks.load(data, ql, c);
                    ByteVector bq = KBlocks.load(data, ql + 32, c);
                    ByteVector hi = KBlocks.load(data, qh, c);
                    int j = 8 * h + c / 16;
                    KBlocks.widen(lowQuants(a, hi, 4)).mul(s[j]).intoArray(dst, y + c);
                    KBlocks.widen(lowQuants(bq, hi, 2)).mul(s[j + 2]).intoArray(dst, y + 32 + c);
                    KBlocks.widen(highQuants(a, hi, 0)).mul(s[j + 4]).intoArray(dst, y + 64 + c);
                    KBlocks.widen(highQuants(bq, hi, 2)).mul(s[j + 6]).intoArray(dst, y + 96 + c);
                }
            }
        }
    }
}
