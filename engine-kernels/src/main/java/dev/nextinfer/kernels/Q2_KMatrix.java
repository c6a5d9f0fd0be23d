package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q2_K, in ggml's own layout (a GGUF tensor is wrapped in place). A row is {@code cols / 256} super-blocks
 * of 84 bytes, rows follow each other without padding:
 * <pre>
 *   block_q2_K {
 *     u8    scales[16];  bytes  0–15   sub-block j of 16 values: scale in the low nibble, minimum in the high one
 *     u8    qs[64];      bytes 16–79   2-bit quants: bits 2t–2t+1 of byte 32h + l belong to value 128h + 32t + l
 *     f16   d;           bytes 80–81   scale of the scales
 *     f16   dmin;        bytes 82–83   scale of the minimums
 *   }
 * </pre>
 * Value {@code k} is {@code dl·q − ml} with {@code dl = d·(scales[k/16] & 15)} and
 * {@code ml = dmin·(scales[k/16] >> 4)}, each rounded to f32 first, as ggml's {@code dequantize_row_q2_K} computes
 * it: {@link #row} gives ggml's floats bit for bit.
 *
 * <p>Kernels. As in {@link Q4_KMatrix}, the minimums meet the activations only through their sums over each
 * sub-block (here of 16), computed once per activation row; the inner loop is a shift and an AND per 16 bytes of
 * quants, the widening to f32, a multiplication with the activations and an FMA with the sub-block's scale (the
 * sub-blocks are 16 long). The 16 scales and minimums are converted to f32 in one vector pass per super-block, and
 * the minimums' term is a vector FMA with the 16 activation sums.
 */
public final class Q2_KMatrix extends SuperBlockMatrix {
    /** Bytes per super-block of 256 values. */
    static final int BLOCK_BYTES = 84;

    /** Wraps {@code rows × cols} values stored in ggml's layout at the start of {@code data} (no copy). */
    public Q2_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q2_K;
    }

    /**
     * The activations' sums over each sub-block of 16, then 16 floats of scratch for a super-block's scales and 16
     * for the minimums' term.
     */
    @Override
    float[] prepare(float[] x, int xOff) {
        float[] p = new float[cols / 16 + 32];
        KBlocks.groupSums(x, xOff, cols, 16, p);
        return p;
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

    @Override
    float dot(int row, float[] x, int xOff, float[] p) {
        int scratch = cols / 16;
        java.util.Arrays.fill(p, scratch + 16, scratch + 32, 0f);
        FloatVector acc = FloatVector.zero(FB);
        // iteration b multiplies super-block b with the scales its previous iteration prepared, then prepares
        // super-block b + 1 (scalar arguments only, after the main loop: see Q4_KMatrix)
        long o = row * rowBytes - BLOCK_BYTES;
        for (int b = -1; b < nb; b++, o += BLOCK_BYTES) {
            if (b >= 0) {
                int xb = xOff + QK_K * b;
                for (int h = 0; h < 2; h++) {
                    for (int t = 0; t < 4; t++) {
                        for (int c = 0; c < 32; c += 16) {
                            ByteVector q = quants(KBlocks.load16(data, o + 16 + 32L * h + c), t);
                            FloatVector sc = FloatVector.broadcast(FB, p[scratch + 8 * h + 2 * t + c / 16]);
                            for (int k = 0; k < 16; k += FB_LANES) {
                                acc = KBlocks.widen16(q, k).mul(FloatVector.fromArray(FB, x, xb + 128 * h + 32 * t + c + k)).fma(sc, acc);
                            }
                        }
                    }
                }
            }
            if (b + 1 < nb) {
                prologue(o + BLOCK_BYTES, b + 1, p, scratch);
            }
        }
        float mins = 0f;
        for (int i = scratch + 16; i < scratch + 32; i++) {
            mins += p[i];
        }
        return Simd.sum(acc) - mins;
    }

    /**
     * Super-block {@code b} at byte {@code o}: writes {@code d·(sc & 15)} to {@code p[scratch ..]} and adds
     * {@code dmin·(sc >> 4)·Σx} lane-wise into {@code p[scratch + 16 ..]}.
     */
    private void prologue(long o, int b, float[] p, int scratch) {
        ByteVector sc = KBlocks.load16(data, o);
        ByteVector lo = sc.and((byte) 0x0F);
        ByteVector hi = KBlocks.high4(sc);
        FloatVector d = FloatVector.broadcast(FB, KBlocks.f16(data, o + 80));
        FloatVector dmin = FloatVector.broadcast(FB, KBlocks.f16(data, o + 82));
        for (int c = 0; c < 16; c += FB_LANES) {
            KBlocks.widen16(lo, c).mul(d).intoArray(p, scratch + c);
            KBlocks.widen16(hi, c).mul(dmin).fma(FloatVector.fromArray(FB, p, 16 * b + c),
                    FloatVector.fromArray(FB, p, scratch + 16 + c)).intoArray(p, scratch + 16 + c);
        }
    }

    /** Bits {@code 2t}–{@code 2t+1} of each byte (a shift by a count that varies with the loop: one copy of the code). */
    private static ByteVector quants(ByteVector q, int t) {
        return KBlocks.shiftBits(q, -2 * t).and((byte) 3);
    }

    /** Scales and minimums as {@link #prologue} converts them, quants as {@link #dot} extracts them. */
    @Override
    void widen(int row, int b, float[] q, float[] s) {
        long o = row * rowBytes + (long) b * BLOCK_BYTES;
        ByteVector sc = KBlocks.load16(data, o);
        ByteVector lo = sc.and((byte) 0x0F);
        ByteVector hi = KBlocks.high4(sc);
        FloatVector d = FloatVector.broadcast(FB, KBlocks.f16(data, o + 80));
        FloatVector dmin = FloatVector.broadcast(FB, KBlocks.f16(data, o + 82));
        for (int c = 0; c < 16; c += FB_LANES) {
            KBlocks.widen16(lo, c).mul(d).intoArray(s, SCALES * b + c);
            KBlocks.widen16(hi, c).mul(dmin).intoArray(s, SCALES * b + 16 + c);
        }
        for (int h = 0; h < 2; h++) {
            for (int t = 0; t < 4; t++) {
                for (int c = 0; c < 32; c += 16) {
                    ByteVector v = quants(KBlocks.load16(data, o + 16 + 32L * h + c), t);
                    for (int k = 0; k < 16; k += FB_LANES) {
                        KBlocks.widen16(v, k).intoArray(q, QK_K * b + 128 * h + 32 * t + c + k);
                    }
                }
            }
        }
    }

    @Override
    int stateFloats() {
        return Q2_KRows.STATE;
    }

    @Override
    void widenedRows(int row, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        Q2_KRows.four(nb, q, s, x, xo, xStride, st, a, aStride);
    }

    @Override
    void widenedMinimums(float[] s, float[] prepared, float[] st, int a) {
        Q2_KRows.minimums(nb, s, prepared, st, a);
    }

    @Override
    float widenedResult(float[] st, int a) {
        return Q2_KRows.result(st, a);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long o = row * rowBytes;
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            float d = KBlocks.f16(data, o + 80);
            float dmin = KBlocks.f16(data, o + 82);
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < 4; t++) {
                    for (int c = 0; c < 32; c += 16) {
                        int sc = data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, o + 8 * h + 2 * t + c / 16) & 0xFF;
                        // ggml: d·(sc & 15) and dmin·(sc >> 4) in f32, then dl·q − ml
                        FloatVector dl = FloatVector.broadcast(FB, d * (sc & 0xF));
                        FloatVector ml = FloatVector.broadcast(FB, dmin * (sc >> 4));
                        ByteVector q = quants(KBlocks.load16(data, o + 16 + 32L * h + c), t);
                        for (int k = 0; k < 16; k += FB_LANES) {
                            KBlocks.widen16(q, k).mul(dl).sub(ml).intoArray(dst, off + QK_K * b + 128 * h + 32 * t + c + k);
                        }
                    }
                }
            }
        }
    }
}
