package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.KBlocks.SMALL;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * ggml's Q5_K, in ggml's own layout (a GGUF tensor is wrapped in place). A row is {@code cols / 256} super-blocks
 * of 176 bytes, rows follow each other without padding:
 * <pre>
 *   block_q5_K {
 *     f16   d;           bytes   0–1    scale of the sub-block scales
 *     f16   dmin;        bytes   2–3    scale of the sub-block minimums
 *     u8    scales[12];  bytes   4–15   8 six-bit scales and 8 six-bit minimums, packed as in {@link Q4_KMatrix}
 *     u8    qh[32];      bytes  16–47   fifth bits: bit j of byte l belongs to value 32j + l
 *     u8    qs[128];     bytes  48–175  low 4 bits, as Q4_K's quants: byte 32g + l holds value 64g + l in its low
 *                                       nibble and value 64g + 32 + l in its high nibble
 *   }
 * </pre>
 * Value {@code 32j + l} of a super-block is {@code d1·q − m1} with {@code q = nibble + 16·bit} ({@code 0..31}),
 * {@code d1 = d·sc[j]} and {@code m1 = dmin·m[j]}, each product rounded to f32 first, exactly as ggml's
 * {@code dequantize_row_q5_K} computes it: {@link #row} gives ggml's floats bit for bit.
 *
 * <p>Kernels as {@link Q4_KMatrix}'s (minimums folded into per-sub-block activation sums, {@code d} applied once
 * per super-block), plus the fifth bit: for sub-block {@code j} the 16 bytes of {@code qh} are shifted so that bit
 * {@code j} lands on bit 4, masked and OR-ed into the nibbles before they are widened (three byte operations per 16
 * values, on 16-byte registers).
 */
public final class Q5_KMatrix extends SuperBlockMatrix {
    /** Bytes per super-block of 256 values. */
    static final int BLOCK_BYTES = 176;

    /** Wraps {@code rows × cols} values stored in ggml's layout at the start of {@code data} (no copy). */
    public Q5_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q5_K;
    }

    /** The activations' sums over each sub-block of 32. */
    @Override
    float[] prepare(float[] x, int xOff) {
        float[] sums = new float[cols / 32];
        KBlocks.groupSums(x, xOff, cols, 32, sums);
        return sums;
    }

    /** Row {@code row}·x given the activations' sums over each group of 32. */
    @Override
    float dot(int row, float[] x, int xOff, float[] sums) {
        long o = row * rowBytes;
        FloatVector acc = FloatVector.zero(FB);
        float mins = 0f;
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            int i0 = data.get(KBlocks.LE_INT, o + 4);
            int i1 = data.get(KBlocks.LE_INT, o + 8);
            int i2 = data.get(KBlocks.LE_INT, o + 12);
            // four bytes per word: scales 0–3, minimums 0–3, scales 4–7, minimums 4–7
            long sc = (i0 & 0x3F3F3F3FL) | ((long) ((i2 & 0x0F0F0F0F) | (i0 >>> 2 & 0x30303030)) << 32);
            long mn = (i1 & 0x3F3F3F3FL) | ((long) ((i2 >>> 4 & 0x0F0F0F0F) | (i1 >>> 2 & 0x30303030)) << 32);
            float m = 0f;
            for (int j = 0; j < 8; j++) {
                m += SMALL[(int) (mn >>> 8 * j) & 0xFF] * sums[8 * b + j];
            }
            mins += KBlocks.f16(data, o + 2) * m;
            // the super-block inline, not in a helper: C2 does not inline a method this big once compiled, and
            // vectors passed to a method that is not inlined are boxed
            int xb = xOff + QK_K * b;
            FloatVector s = FloatVector.zero(FB);
            for (int g = 0; g < 4; g++) {
                FloatVector pe = FloatVector.zero(FB);
                FloatVector po = FloatVector.zero(FB);
                long qg = o + 48 + 32L * g;
                int xg = xb + 64 * g;
                for (int c = 0; c < 32; c += FB_LANES) {
                    ByteVector v = KBlocks.load(data, qg, c);
                    ByteVector h = KBlocks.load(data, o + 16, c);
                    pe = KBlocks.widen(low(v, h, 2 * g)).fma(FloatVector.fromArray(FB, x, xg + c), pe);
                    po = KBlocks.widen(high(v, h, 2 * g + 1)).fma(FloatVector.fromArray(FB, x, xg + 32 + c), po);
                }
                s = pe.fma(FloatVector.broadcast(FB, SMALL[(int) (sc >>> 16 * g) & 0xFF]), s);
                s = po.fma(FloatVector.broadcast(FB, SMALL[(int) (sc >>> 16 * g + 8) & 0xFF]), s);
            }
            acc = s.fma(FloatVector.broadcast(FB, KBlocks.f16(data, o)), acc);
        }
        return Simd.sum(acc) - mins;
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long o = row * rowBytes;
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            float d = KBlocks.f16(data, o);
            float dmin = KBlocks.f16(data, o + 2);
            int i0 = data.get(KBlocks.LE_INT, o + 4);
            int i1 = data.get(KBlocks.LE_INT, o + 8);
            int i2 = data.get(KBlocks.LE_INT, o + 12);
            long sc = (i0 & 0x3F3F3F3FL) | ((long) ((i2 & 0x0F0F0F0F) | (i0 >>> 2 & 0x30303030)) << 32);
            long mn = (i1 & 0x3F3F3F3FL) | ((long) ((i2 >>> 4 & 0x0F0F0F0F) | (i1 >>> 2 & 0x30303030)) << 32);
            for (int g = 0; g < 4; g++) {
                // ggml rounds d·sc and dmin·m to f32, then computes d1·q − m1 (two roundings, no FMA)
                FloatVector de = FloatVector.broadcast(FB, d * ((int) (sc >>> 16 * g) & 0xFF));
                FloatVector me = FloatVector.broadcast(FB, dmin * ((int) (mn >>> 16 * g) & 0xFF));
                FloatVector dodd = FloatVector.broadcast(FB, d * ((int) (sc >>> 16 * g + 8) & 0xFF));
                FloatVector modd = FloatVector.broadcast(FB, dmin * ((int) (mn >>> 16 * g + 8) & 0xFF));
                int y = off + QK_K * b + 64 * g;
                for (int c = 0; c < 32; c += FB_LANES) {
                    ByteVector v = KBlocks.load(data, o + 48 + 32L * g, c);
                    ByteVector h = KBlocks.load(data, o + 16, c);
                    KBlocks.widen(low(v, h, 2 * g)).mul(de).sub(me).intoArray(dst, y + c);
                    KBlocks.widen(high(v, h, 2 * g + 1)).mul(dodd).sub(modd).intoArray(dst, y + 32 + c);
                }
            }
        }
    }

    /** Low nibbles of {@code v} plus 16 × bit {@code j} of {@code h}. */
    private static ByteVector low(ByteVector v, ByteVector h, int j) {
        return v.and((byte) 0x0F).or(bit4(h, j));
    }

    /** High nibbles of {@code v} plus 16 × bit {@code j} of {@code h}. */
    private static ByteVector high(ByteVector v, ByteVector h, int j) {
        return KBlocks.high4(v).or(bit4(h, j));
    }

    /**
     * Bit {@code j} of each byte moved to bit 4 (value 16), other bits cleared. Shifted as ints: the bits that cross
     * into a neighbouring byte land on bits 0–3 (left shifts of ≤ 4) or 5–7 (right shifts of ≤ 3), never on bit 4.
     */
    private static ByteVector bit4(ByteVector h, int j) {
        return (j <= 4 ? h.reinterpretAsInts().lanewise(VectorOperators.LSHL, 4 - j)
                : h.reinterpretAsInts().lanewise(VectorOperators.LSHR, j - 4)).reinterpretAsBytes().and((byte) 0x10);
    }
}
