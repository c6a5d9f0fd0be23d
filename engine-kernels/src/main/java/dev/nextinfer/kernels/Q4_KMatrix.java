package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.KBlocks.SMALL;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q4_K, in ggml's own layout (a GGUF tensor is wrapped in place). A row is {@code cols / 256} super-blocks
 * of 144 bytes, rows follow each other without padding:
 * <pre>
 *   block_q4_K {
 *     f16   d;           bytes   0–1    scale of the sub-block scales
 *     f16   dmin;        bytes   2–3    scale of the sub-block minimums
 *     u8    scales[12];  bytes   4–15   8 six-bit scales sc[j] and 8 six-bit minimums m[j], packed:
 *                                         j &lt; 4:  sc = scales[j] &amp; 63,   m = scales[j+4] &amp; 63
 *                                         j ≥ 4:  sc = (scales[j+4] &amp; 15) | (scales[j-4] &gt;&gt; 6) &lt;&lt; 4
 *                                                 m  = (scales[j+4] &gt;&gt; 4) | (scales[j]   &gt;&gt; 6) &lt;&lt; 4
 *     u8    qs[128];     bytes  16–143  4-bit quants: byte 32g + l holds value 64g + l in its low nibble and
 *                                       value 64g + 32 + l in its high nibble (g &lt; 4, l &lt; 32)
 *   }
 * </pre>
 * Value {@code 32j + l} of a super-block (sub-block {@code j} of 32) is {@code d1·q − m1} with
 * {@code d1 = d·sc[j]} and {@code m1 = dmin·m[j]}, each product rounded to f32 first, exactly as ggml's
 * {@code dequantize_row_q4_K} computes it: {@link #row} gives ggml's floats bit for bit.
 *
 * <p>Kernels. A dot product is {@code Σ_j d·sc[j]·Σ_l q·x − Σ_j dmin·m[j]·Σ_l x}: the minimums meet the
 * activations only through their sums over each sub-block of 32, which a mat-vec computes once for all rows
 * ({@link KBlocks#groupSums}). The inner loop is then as lean as {@link Q4_0Matrix}'s, without its "− 8": per 16
 * bytes of quants one load, an AND and a shift for the two nibble halves, two widenings to f32 and two FMAs with the
 * activations; per sub-block one FMA with its scale (as a float, looked up rather than converted), per super-block
 * one FMA with {@code d}. The scales and minimums are unpacked with a few integer operations on three 32-bit words.
 * Because {@code d} is applied once per super-block, the chain of dependent FMAs carried across super-blocks is one
 * long; the eight per-sub-block FMAs of a super-block overlap with the next one's loads.
 */
public final class Q4_KMatrix extends SuperBlockMatrix {
    /** Bytes per super-block of 256 values. */
    static final int BLOCK_BYTES = 144;

    /** Wraps {@code rows × cols} values stored in ggml's layout at the start of {@code data} (no copy). */
    public Q4_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q4_K;
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
                long qg = o + 16 + 32L * g;
                int xg = xb + 64 * g;
                for (int c = 0; c < 32; c += FB_LANES) {
                    ByteVector v = KBlocks.load(data, qg, c);
                    pe = KBlocks.widen(v.and((byte) 0x0F)).fma(FloatVector.fromArray(FB, x, xg + c), pe);
                    po = KBlocks.widen(KBlocks.high4(v)).fma(FloatVector.fromArray(FB, x, xg + 32 + c), po);
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
                    ByteVector v = KBlocks.load(data, o + 16 + 32L * g, c);
                    KBlocks.widen(v.and((byte) 0x0F)).mul(de).sub(me).intoArray(dst, y + c);
                    KBlocks.widen(KBlocks.high4(v)).mul(dodd).sub(modd).intoArray(dst, y + 32 + c);
                }
            }
        }
    }
}
