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
     * {@code scratch = 16·nb}: 16 floats for a super-block's scales, 16 for the minimums' term and one vector for a
     * kernel's running sum (Q5_K), or {@code 8·nb + 16} floats for a row's scales (Q4_K).
     */
    static float[] prepare(float[] x, int xOff, int cols) {
        int nb = cols / KBlocks.QK_K;
        float[] sums = new float[cols / 32];
        KBlocks.groupSums(x, xOff, cols, 32, sums);
        float[] p = new float[24 * nb + 32 + FB_LANES];
        for (int b = 0; b < nb; b++) {
            System.arraycopy(sums, 8 * b, p, 16 * b + 8, 8);
        }
        return p;
    }

    /**
     * The per-super-block work of the Q4_K and Q5_K kernels for super-block {@code b} at byte {@code o} of
     * {@code seg}: writes {@code d·sc[0..8), dmin·m[0..8)} to {@code p[scratch ..]} and adds the minimums' term
     * {@code dmin·m[j]·Σx} lane-wise into {@code p[scratch + 16 ..]} (summed in a fixed order at the end of the
     * row). Its arguments and results are scalars and arrays, so it is cheap whether or not C2 inlines it: a kernel
     * calls it after its main loop, so that the main loop's vector code is inlined first, within C2's budget.
     */
    static void prologue(MemorySegment seg, long o, int b, float[] p, int scratch) {
        ByteVector sm = unpack(seg, o + 4);
        float d = KBlocks.f16(seg, o);
        float dmin = KBlocks.f16(seg, o + 2);
        for (int c = 0; c < 16; c += FB_LANES) {
            FloatVector s = scaled(sm, c, d, dmin);
            s.intoArray(p, scratch + c);
            s.fma(FloatVector.fromArray(FB, p, 16 * b + c), FloatVector.fromArray(FB, p, scratch + 16 + c))
                    .intoArray(p, scratch + 16 + c);
        }
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

    /** The running sum a kernel keeps in {@code p[scratch + 32 ..]} (one vector), summed as {@link Simd#sum}. */
    static float accumulated(float[] p, int scratch) {
        return Simd.sum(FloatVector.fromArray(FB, p, scratch + 32));
    }

    /** The minimums' term accumulated by {@link #prologue}, summed in lane order. */
    static float minsTerm(float[] p, int scratch) {
        float m = 0f;
        for (int i = scratch + 16; i < scratch + 32; i++) {
            m += p[i];
        }
        return m;
    }
}
