package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
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
 * <p>Kernels. A dot product is {@code Σ_j d1[j]·Σ_l q·x − Σ_j m1[j]·Σ_l x}: the minimums meet the activations
 * only through their sums over each sub-block of 32, which a mat-vec computes once for all rows
 * ({@link KScaleMin#prepare}). Per super-block the packed scales and minimums are unpacked, widened and multiplied by
 * {@code d} and {@code dmin} in one vector pass ({@link KScaleMin}), and the minimums' term is one FMA with the
 * activation sums. The inner loop is then as lean as {@link Q4_0Matrix}'s, without its "− 8": per 16 bytes of quants
 * one load, an AND and a shift for the two nibble halves, two widenings to f32 and two FMAs with the activations; per
 * sub-block one FMA with its scale.
 *
 * <p>A row is done in two passes (see {@link #dot}): the scales of all its super-blocks first, then one flat loop
 * over its 64-value groups. The vector code of each pass is written once (C2 unrolls the inner loops): vectors
 * passed to a method that is not inlined are boxed, and a method with several copies of the group code exceeds
 * C2's inlining node budget with the same effect (measured: 4–25× slower).
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

    /**
     * Two passes over the row: {@link KScaleMin#scaleRow} unpacks every super-block's scales (and takes the minimums' term),
     * then {@link #groups} runs one flat loop over the row's 64-value groups. Measured against the single loop over
     * super-blocks with the unpacking inline and the four groups in an inner loop: 21–25% faster (C2 compiles the
     * 4-trip inner loop with its own entry, range checks and exit per super-block). Both are methods with scalar
     * and array arguments only, each with its own inlining budget: one method with both parts, or two groups per
     * iteration, exceeds C2's node budget (boxed vectors, 5–10× slower).
     */
    @Override
    float dot(int row, float[] x, int xOff, float[] p) {
        float mins = KScaleMin.scaleRow(data, row * rowBytes, nb, BLOCK_BYTES, p);
        return groups(row, x, xOff, p) - mins;
    }

    /** {@code Σ_g d·sc·(q ⊙ x)} over the row's 64-value groups, given {@link KScaleMin#scaleRow}'s scales. */
    private float groups(int row, float[] x, int xOff, float[] p) {
        int scr = 16 * nb;
        // two running sums, for the even and the odd sub-blocks
        FloatVector acc = FloatVector.zero(FB);
        FloatVector acc1 = FloatVector.zero(FB);
        long base = row * rowBytes + 16;
        int groups = 4 * nb;
        for (int g = 0; g < groups; g++) {
            long qg = base + (long) (g >> 2) * BLOCK_BYTES + 32 * (g & 3);
            int xg = xOff + 64 * g;
            FloatVector pe = FloatVector.zero(FB);
            FloatVector po = FloatVector.zero(FB);
            // 16 lanes: 16 bytes per load, each widened whole. Narrower vectors load 16 bytes too and widen them
            // part by part: nibble shifts on the 8-byte vectors of the 16-lane path are not intrinsified at
            // 128 bits. (Together the two paths also keep this method's bytecode above C2's FreqInlineSize, so it
            // is compiled on its own: inlined into matVec's row loop it measured 15–20% slower.)
            if (FB_LANES == 16) {
                for (int c = 0; c < 32; c += FB_LANES) {
                    ByteVector v = KBlocks.load(data, qg, c);
                    pe = KBlocks.widen(v.and((byte) 0x0F)).fma(FloatVector.fromArray(FB, x, xg + c), pe);
                    po = KBlocks.widen(KBlocks.high4(v)).fma(FloatVector.fromArray(FB, x, xg + 32 + c), po);
                }
            } else {
                for (int c = 0; c < 32; c += 16) {
                    ByteVector v = KBlocks.load16(data, qg + c);
                    ByteVector lo = v.and((byte) 0x0F);
                    ByteVector hi = KBlocks.high4(v);
                    for (int k = 0; k < 16; k += FB_LANES) {
                        pe = KBlocks.widen16(lo, k).fma(FloatVector.fromArray(FB, x, xg + c + k), pe);
                        po = KBlocks.widen16(hi, k).fma(FloatVector.fromArray(FB, x, xg + 32 + c + k), po);
                    }
                }
            }
            acc = pe.fma(FloatVector.broadcast(FB, p[scr + 2 * g]), acc);
            acc1 = po.fma(FloatVector.broadcast(FB, p[scr + 2 * g + 1]), acc1);
        }
        return Simd.sum(acc.add(acc1));
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
        KGroupRows.q4(data, row * rowBytes, nb, s, x, xo, xStride, st, a, aStride);
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
            ByteVector sm = KScaleMin.unpack(data, o + 4);
            float d = KBlocks.f16(data, o);
            float dmin = KBlocks.f16(data, o + 2);
            for (int c = 0; c < 16; c += FB_LANES) {
                KScaleMin.scaled(sm, c, d, dmin).intoArray(s, c);
            }
            for (int g = 0; g < 4; g++) {
                // ggml computes d1·q − m1 with d1 = d·sc and m1 = dmin·m rounded first: a multiply and a subtract
                FloatVector de = FloatVector.broadcast(FB, s[2 * g]);
                FloatVector dodd = FloatVector.broadcast(FB, s[2 * g + 1]);
                FloatVector me = FloatVector.broadcast(FB, s[8 + 2 * g]);
                FloatVector modd = FloatVector.broadcast(FB, s[8 + 2 * g + 1]);
                int y = off + QK_K * b + 64 * g;
                // 16-byte loads at every width: KBlocks.high4 on the 8-byte vectors of a narrower load is not
                // intrinsified at 128 bits, and once compiled that way it was no longer inlined into the mat-vec
                // kernels either (a prefill made the next decode steps 5–10× slower at 128 and 256 bits)
                for (int c = 0; c < 32; c += 16) {
                    ByteVector v = KBlocks.load16(data, o + 16 + 32L * g + c);
                    ByteVector lo = v.and((byte) 0x0F);
                    ByteVector hi = KBlocks.high4(v);
                    for (int k = 0; k < 16; k += FB_LANES) {
                        KBlocks.widen16(lo, k).mul(de).sub(me).intoArray(dst, y + c + k);
                        KBlocks.widen16(hi, k).mul(dodd).sub(modd).intoArray(dst, y + 32 + c + k);
                    }
                }
            }
        }
    }
}
