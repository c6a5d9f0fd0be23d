package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

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
 * <p>Kernels as {@link Q4_KMatrix}'s (scales and minimums unpacked in one vector pass per super-block, minimums
 * folded into per-sub-block activation sums), plus the fifth bit: for sub-block {@code j} the 16 bytes of {@code qh}
 * are shifted (as 32-bit lanes) so that bit {@code j} of each byte lands on bit 4, masked and OR-ed into the nibbles
 * before they are widened: three byte operations per 16 values, on 16-byte registers.
 *
 * <p>A row is done in two passes as in {@link Q4_KMatrix}: {@link KScaleMin#scaleRow}, then one flat loop over
 * its 64-value groups (measured 40% faster than the former loop over super-blocks with the group code and the
 * next super-block's scales in two methods called per super-block).
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

    @Override
    float[] prepare(float[] x, int xOff) {
        return KScaleMin.prepare(x, xOff, cols);
    }

    /** One loop per format: see {@link SuperBlockMatrix#matVec}. */
    @Override
    void dots(int row, float[] x, int xOff, int xStride, int t0, int n, float[][] p, float[] y, int yOff, int yStride) {
        for (int t = t0; t < n; t++) {
            y[yOff + t * yStride + row] = dot(row, x, xOff + t * xStride, p[t]);
        }
    }

    /** One loop per format: see {@link SuperBlockMatrix#matVec}. */
    @Override
    public void matVec(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        float[] p = prepare(x, xOff);
        for (int r = r0; r < r1; r++) {
            y[yOff + r] = dot(r, x, xOff, p);
        }
    }

    /** Two passes over the row, as {@link Q4_KMatrix#dot}: the scales of all its super-blocks, then its groups. */
    @Override
    float dot(int row, float[] x, int xOff, float[] p) {
        float mins = KScaleMin.scaleRow(data, row * rowBytes, nb, BLOCK_BYTES, p);
        return groups(row, x, xOff, p) - mins;
    }

    /**
     * {@code Σ_g d·sc·(q ⊙ x)} over the row's 64-value groups, given {@link KScaleMin#scaleRow}'s scales: one flat
     * loop, the fifth bits' shift counts taken from the group's place in its super-block. (A method of its own:
     * inlined into matVec's row loop it would be a nested loop again, see Q4_KMatrix.)
     */
    private float groups(int row, float[] x, int xOff, float[] p) {
        int scr = 16 * nb;
        // two running sums, for the even and the odd sub-blocks
        FloatVector acc = FloatVector.zero(FB);
        FloatVector acc1 = FloatVector.zero(FB);
        long base = row * rowBytes;
        int groups = 4 * nb;
        for (int g = 0; g < groups; g++) {
            long o = base + (long) (g >> 2) * BLOCK_BYTES;
            int k = g & 3;
            long qg = o + 48 + 32 * k;
            int xg = xOff + 64 * g;
            FloatVector pe = FloatVector.zero(FB);
            FloatVector po = FloatVector.zero(FB);
            for (int c = 0; c < 32; c += 16) {
                ByteVector v = KBlocks.load16(data, qg + c);
                ByteVector h = KBlocks.load16(data, o + 16 + c);
                ByteVector lo = v.and((byte) 0x0F).or(bit4(h, 2 * k));
                ByteVector hi = KBlocks.high4(v).or(bit4(h, 2 * k + 1));
                if (FB_LANES == 16) { // the whole 16 bytes in one vector, no part loop
                    pe = KBlocks.widen16(lo, 0).fma(FloatVector.fromArray(FB, x, xg + c), pe);
                    po = KBlocks.widen16(hi, 0).fma(FloatVector.fromArray(FB, x, xg + 32 + c), po);
                } else {
                    for (int kk = 0; kk < 16; kk += FB_LANES) {
                        pe = KBlocks.widen16(lo, kk).fma(FloatVector.fromArray(FB, x, xg + c + kk), pe);
                        po = KBlocks.widen16(hi, kk).fma(FloatVector.fromArray(FB, x, xg + 32 + c + kk), po);
                    }
                }
            }
            acc = pe.fma(FloatVector.broadcast(FB, p[scr + 2 * g]), acc);
            acc1 = po.fma(FloatVector.broadcast(FB, p[scr + 2 * g + 1]), acc1);
        }
        return Simd.sum(acc.add(acc1));
    }

    /**
     * Bit {@code j} of each byte moved to bit 4 (value 16), other bits cleared. The bits a shift of the 32-bit lanes
     * moves across bytes land on bits 0–3 (left shifts by ≤ 4) or 5–7 (right shifts by ≤ 3), never on bit 4.
     */
    static ByteVector bit4(ByteVector h, int j) {
        return KBlocks.shiftBits(h, 4 - j).and((byte) 0x10);
    }

    /** Only the scales, as {@link KScaleMin#scaleRow} computes them: {@link KGroupRows} unpacks the quants itself. */
    @Override
    void widen(int row, int b, float[] q, float[] s) {
        // as KScaleMin.scaleRow does it, inline: through KScaleMin.scales, a small method compiled on its own, the
        // vectors were sometimes boxed (see Q6_KMatrix.widen)
        long o = row * rowBytes + (long) b * BLOCK_BYTES;
        ByteVector sm = KScaleMin.unpack(data, o + 4);
        float d = KBlocks.f16(data, o);
        float dmin = KBlocks.f16(data, o + 2);
        for (int c = 0; c < 16; c += FB_LANES) {
            KScaleMin.scaled(sm, c, d, dmin).intoArray(s, SCALES * b + c);
        }
    }

    @Override
    int stateFloats() {
        return KGroupRows.STATE;
    }

    @Override
    void widenedRows(int row, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        KGroupRows.q5(data, row * rowBytes, nb, s, x, xo, xStride, st, a, aStride);
    }

    @Override
    void widenedMinimums(float[] s, float[] prepared, float[] st, int a) {
        KGroupRows.minimums(nb, s, prepared, st, a);
    }

    @Override
    float widenedResult(float[] st, int a) {
        return KGroupRows.result(st, a);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        float[] s = new float[16];
        long o = row * rowBytes;
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            KScaleMin.scales(data, o, s);
            rowBlock(o, s, dst, off + QK_K * b);
        }
    }

    /**
     * Dequantises the super-block at byte {@code o} into {@code dst[y ..]} given its {@code d·sc, dmin·m} in
     * {@code s}: {@code d1·q − m1}, a multiply and a subtract as in ggml.
     */
    private void rowBlock(long o, float[] s, float[] dst, int y) {
        for (int g = 0; g < 4; g++) {
            FloatVector de = FloatVector.broadcast(FB, s[2 * g]);
            FloatVector dodd = FloatVector.broadcast(FB, s[2 * g + 1]);
            FloatVector me = FloatVector.broadcast(FB, s[8 + 2 * g]);
            FloatVector modd = FloatVector.broadcast(FB, s[8 + 2 * g + 1]);
            int yg = y + 64 * g;
            for (int c = 0; c < 32; c += 16) {
                ByteVector v = KBlocks.load16(data, o + 48 + 32L * g + c);
                ByteVector h = KBlocks.load16(data, o + 16 + c);
                ByteVector lo = v.and((byte) 0x0F).or(bit4(h, 2 * g));
                ByteVector hi = KBlocks.high4(v).or(bit4(h, 2 * g + 1));
                for (int k = 0; k < 16; k += FB_LANES) {
                    KBlocks.widen16(lo, k).mul(de).sub(me).intoArray(dst, yg + c + k);
                    KBlocks.widen16(hi, k).mul(dodd).sub(modd).intoArray(dst, yg + 32 + c + k);
                }
            }
        }
    }
}
