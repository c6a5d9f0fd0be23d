package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;

/**
 * The 6-bit scales and minimums of Q4_K and Q5_K, packed in 12 bytes ({@code get_scale_min_k4}):
 * <pre>
 *   j &lt; 4:  sc[j] = b[j] &amp; 63                        m[j] = b[j+4] &amp; 63
 *   j ≥ 4:  sc[j] = (b[j+4] &amp; 15) | (b[j-4] &gt;&gt; 6) &lt;&lt; 4    m[j] = (b[j+4] &gt;&gt; 4) | (b[j] &gt;&gt; 6) &lt;&lt; 4
 * </pre>
 * unpacked with two byte shuffles and a few masks on one 16-byte register into {@code [sc0..sc7, m0..m7]}, then
 * widened to f32 and multiplied by {@code d} and {@code dmin}: about a dozen vector instructions per super-block. (The
 * scalar unpacking, with one f32 operation per scale, cost the Q4_K mat-vec a third of its speed.)
 */
final class KScaleMin {
    /** Lane j takes the byte holding the low bits: b[j] for scales 0–3, b[j+4] for 4–7, b[j+4] for minimums. */
    private static final VectorShuffle<Byte> LOW = VectorShuffle.fromValues(KBlocks.B16,
            0, 1, 2, 3, 8, 9, 10, 11, 4, 5, 6, 7, 8, 9, 10, 11);
    /** Lane j takes the byte whose top two bits are the high bits (scales and minimums 4–7 only). */
    private static final VectorShuffle<Byte> HIGH = VectorShuffle.fromValues(KBlocks.B16,
            0, 0, 0, 0, 0, 1, 2, 3, 0, 0, 0, 0, 4, 5, 6, 7);
    private static final ByteVector LOW_MASK = ByteVector.fromArray(KBlocks.B16,
            new byte[] {63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15}, 0);
    private static final ByteVector HIGH_MASK = ByteVector.fromArray(KBlocks.B16,
            new byte[] {0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30, 0, 0, 0, 0, 0x30, 0x30, 0x30, 0x30}, 0);
    /** Minimums 4–7 have their low bits in the high nibble. */
    private static final VectorMask<Byte> HIGH_NIBBLE = VectorMask.fromLong(KBlocks.B16, 0xF000L);
    /** Lanes 8–15 of a 16-lane float vector (the minimums); null for narrower vectors. */
    private static final VectorMask<Float> MINS = FB_LANES == 16 ? VectorMask.fromLong(FB, 0xFF00L) : null;

    private KScaleMin() {
    }

    /**
     * {@code [sc0..sc7, m0..m7]} of the 12 packed bytes at {@code off}. Loads 16 bytes, so 4 bytes must follow
     * (in Q4_K and Q5_K the quants do).
     */
    static ByteVector unpack(MemorySegment seg, long off) {
        ByteVector v = KBlocks.load16(seg, off);
        ByteVector a = v.rearrange(LOW);
        ByteVector low = a.and(LOW_MASK).blend(KBlocks.high4(a), HIGH_NIBBLE);
        ByteVector high = v.rearrange(HIGH).reinterpretAsInts().lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes()
                .and(HIGH_MASK);
        return low.or(high);
    }

    /**
     * Lanes {@code c .. c + FB_LANES} of {@code [d·sc0 .. d·sc7, dmin·m0 .. dmin·m7]}, each product rounded to f32
     * as ggml rounds {@code d1} and {@code m1}.
     */
    static FloatVector scaled(ByteVector unpacked, int c, float d, float dmin) {
        FloatVector mul = FB_LANES == 16 ? FloatVector.broadcast(FB, d).blend(dmin, MINS)
                : FloatVector.broadcast(FB, c < 8 ? d : dmin);
        return KBlocks.widen16(unpacked, c).mul(mul);
    }

    /**
     * What the kernels need from an activation row: per super-block 16 floats, 8 zeros then the sums of its 8
     * sub-blocks of 32 (so that one FMA with {@link #scaled}'s vector adds {@code Σ_j dmin·m[j]·Σx}); then, from
     * {@code 16·nb}, room for a row's scales ({@link #scaleRow}: {@code 8·nb}, plus 8 written past the last).
     */
    static float[] prepare(float[] x, int xOff, int cols) {
        int nb = cols / KBlocks.QK_K;
        float[] sums = new float[cols / 32];
        KBlocks.groupSums(x, xOff, cols, 32, sums);
        float[] p = new float[24 * nb + 8];
        for (int b = 0; b < nb; b++) {
            System.arraycopy(sums, 8 * b, p, 16 * b + 8, 8);
        }
        return p;
    }

    /**
     * The first pass of the Q4_K and Q5_K mat-vec kernels over a row of {@code nb} super-blocks of
     * {@code blockBytes} at byte {@code o} of {@code seg}: writes {@code d·sc[0..8)} of super-block {@code b} to
     * {@code p[16·nb + 8·b ..]}, so that 64-value group {@code g} of the row finds its two scales at
     * {@code 16·nb + 2g} and {@code + 1}, and returns the minimums' term {@code Σ dmin·m[j]·Σx}. Scalar and array
     * arguments only: the kernels' second pass, a flat loop over the groups, is a method of its own.
     */
    static float scaleRow(MemorySegment seg, long o, int nb, int blockBytes, float[] p) {
        int scr = 16 * nb;
        FloatVector mins = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++, o += blockBytes) {
            ByteVector sm = unpack(seg, o + 4);
            float d = KBlocks.f16(seg, o);
            float dmin = KBlocks.f16(seg, o + 2);
            for (int c = 0; c < 16; c += FB_LANES) {
                FloatVector s = scaled(sm, c, d, dmin);
                if (c < 8) {
                    // with 16 lanes this also writes the minimums over the next super-block's slots, which the
                    // next iteration overwrites (prepare leaves room after the last one)
                    s.intoArray(p, scr + 8 * b + c);
                }
                mins = s.fma(FloatVector.fromArray(FB, p, 16 * b + c), mins);
            }
        }
        return Simd.sum(mins);
    }

    /** {@code d·sc[0..8), dmin·m[0..8)} of the super-block at byte {@code o} into {@code s[0..16)}. */
    static void scales(MemorySegment seg, long o, float[] s) {
        ByteVector sm = unpack(seg, o + 4);
        float d = KBlocks.f16(seg, o);
        float dmin = KBlocks.f16(seg, o + 2);
        for (int c = 0; c < 16; c += FB_LANES) {
            scaled(sm, c, d, dmin).intoArray(s, c);
        }
    }
}
