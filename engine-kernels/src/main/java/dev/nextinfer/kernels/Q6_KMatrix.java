package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

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
 * <p>Kernels. Each 16 bytes of one half of {@code ql} hold a low-nibble and a high-nibble run of 16 values (two
 * sub-blocks); the matching 16 bytes of {@code qh} are shifted (as 32-bit lanes) to bring each run's two high bits
 * to bits 4–5, masked and OR-ed in, and 32 subtracted, all on 16-byte registers; then each run is widened to f32,
 * multiplied with the activations and added with its sub-block's scale (one FMA per 16 values: Q6_K's sub-blocks
 * are 16 long). The 16 scales are converted to f32 and multiplied by {@code d} in one vector pass per super-block.
 * The vector code is written once, in {@code dot} (see {@link Q4_KMatrix} for why).
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

    /** Nothing to precompute: returns scratch for a super-block's 16 scales and the two running vectors. */
    @Override
    float[] prepare(float[] x, int xOff) {
        return new float[16 + 2 * FB_LANES];
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
    float dot(int row, float[] x, int xOff, float[] s) {
        // two running sums, for the low-nibble and the high-nibble quarters: with one, the 16 scale FMAs of a
        // super-block wait on each other's latency (with the qh loads below shared by two quarters: 25–33% faster)
        FloatVector acc = FloatVector.zero(FB);
        FloatVector acc1 = FloatVector.zero(FB);
        // iteration b multiplies super-block b with the scales its previous iteration converted, then converts
        // super-block b + 1's: the conversion has scalar arguments only and comes after the main loop, so that C2
        // spends its inlining budget on the main loop first (see Q4_KMatrix)
        long o = row * rowBytes - BLOCK_BYTES;
        for (int b = -1; b < nb; b++, o += BLOCK_BYTES) {
            if (b >= 0) {
                for (int h = 0; h < 2; h++) {
                    for (int c = 0; c < 32; c += 16) {
                        // these 16 bytes of qh hold the high bits of all four quarters: loaded once for both u
                        ByteVector hh = KBlocks.load16(data, o + 128 + 32L * h + c);
                        for (int u = 0; u < 2; u++) {
                            // quarter u (low nibbles) and quarter u + 2 (high nibbles) of this half
                            ByteVector v = KBlocks.load16(data, o + 64L * h + 32 * u + c);
                            ByteVector lo = low(v, hh, u);
                            ByteVector hi = high(v, hh, u);
                            int xq = xOff + QK_K * b + 128 * h + 32 * u + c;
                            int j = 8 * h + 2 * u + c / 16;
                            FloatVector sl = FloatVector.broadcast(FB, s[j]);
                            FloatVector sh = FloatVector.broadcast(FB, s[j + 4]);
                            for (int k = 0; k < 16; k += FB_LANES) {
                                acc = KBlocks.widen16(lo, k).mul(FloatVector.fromArray(FB, x, xq + k)).fma(sl, acc);
                                acc1 = KBlocks.widen16(hi, k).mul(FloatVector.fromArray(FB, x, xq + 64 + k)).fma(sh, acc1);
                            }
                        }
                    }
                }
            }
            if (b + 1 < nb) {
                scales(o + BLOCK_BYTES, s);
            }
        }
        // through memory, as the few-row kernel's result: the add of the two running vectors ran C2's Java fallback
        // here in a real decode (a vector allocated per row), and vectors loaded from an array have a known class
        acc.intoArray(s, 16);
        acc1.intoArray(s, 16 + FB_LANES);
        return Q6_KRows.result(s, 16);
    }

    /** {@code s[j] = d·scales[j]} of the super-block at byte {@code o}, rounded to f32 as ggml does. */
    private void scales(long o, float[] s) {
        scales(o, s, 0);
    }

    /** {@link #scales(long, float[])} into {@code s[off .. off + 16)}. */
    private void scales(long o, float[] s, int off) {
        FloatVector d = FloatVector.broadcast(FB, KBlocks.f16(data, o + 208));
        ByteVector sc = KBlocks.load16(data, o + 192);
        for (int c = 0; c < 16; c += FB_LANES) {
            KBlocks.widen16(sc, c).mul(d).intoArray(s, off + c);
        }
    }

    /**
     * Quarter {@code t}'s two high bits (bits 2t–2t+1 of each {@code qh} byte) moved to bits 4–5 by a shift of the
     * 32-bit lanes (left by {@code 4 − 2t}, or right by 2 for t = 3); the bits it moves across bytes land on bits 0–3
     * or 6–7 and are masked.
     */
    private static ByteVector high2(ByteVector hh, int t) {
        return KBlocks.shiftBits(hh, 4 - 2 * t).and((byte) 0x30);
    }

    /** Quarter {@code u}: low nibbles of {@code v} with their high bits, minus 32. */
    private static ByteVector low(ByteVector v, ByteVector hh, int u) {
        return v.and((byte) 0x0F).or(high2(hh, u)).sub((byte) 32);
    }

    /** Quarter {@code u + 2}: high nibbles of {@code v} with their high bits, minus 32. */
    private static ByteVector high(ByteVector v, ByteVector hh, int u) {
        return KBlocks.high4(v).or(high2(hh, u + 2)).sub((byte) 32);
    }

    /** Scales as {@link #dot} converts them, quants as it puts them together (6 bits, minus 32). */
    @Override
    void widen(int row, int b, float[] q, float[] s) {
        long o = row * rowBytes + (long) b * BLOCK_BYTES;
        // the scales here rather than through scales(): that small method, compiled on its own, sometimes came out
        // with boxed vectors (JMH -prof gc: ~0.6 MB allocated per few-row call in about a third of the JVMs)
        FloatVector d = FloatVector.broadcast(FB, KBlocks.f16(data, o + 208));
        ByteVector sc = KBlocks.load16(data, o + 192);
        for (int c = 0; c < 16; c += FB_LANES) {
            KBlocks.widen16(sc, c).mul(d).intoArray(s, SCALES * b + c);
        }
        for (int h = 0; h < 2; h++) {
            for (int c = 0; c < 32; c += 16) {
                ByteVector hh = KBlocks.load16(data, o + 128 + 32L * h + c);
                for (int u = 0; u < 2; u++) {
                    ByteVector v = KBlocks.load16(data, o + 64L * h + 32 * u + c);
                    ByteVector lo = low(v, hh, u);
                    ByteVector hi = high(v, hh, u);
                    int y = QK_K * b + 128 * h + 32 * u + c;
                    for (int k = 0; k < 16; k += FB_LANES) {
                        KBlocks.widen16(lo, k).intoArray(q, y + k);
                        KBlocks.widen16(hi, k).intoArray(q, y + 64 + k);
                    }
                }
            }
        }
    }

    @Override
    int stateFloats() {
        return Q6_KRows.STATE;
    }

    @Override
    void widenedRows(int row, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        Q6_KRows.four(nb, q, s, x, xo, xStride, st, a, aStride);
    }

    @Override
    float widenedResult(float[] st, int a) {
        return Q6_KRows.result(st, a);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long o = row * rowBytes;
        float[] s = new float[16];
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            scales(o, s);
            for (int h = 0; h < 2; h++) {
                for (int u = 0; u < 2; u++) {
                    long ql = o + 64L * h + 32 * u;
                    int y = off + QK_K * b + 128 * h + 32 * u;
                    for (int c = 0; c < 32; c += 16) {
                        ByteVector v = KBlocks.load16(data, ql + c);
                        ByteVector hh = KBlocks.load16(data, o + 128 + 32L * h + c);
                        ByteVector lo = low(v, hh, u);
                        ByteVector hi = high(v, hh, u);
                        int j = 8 * h + 2 * u + c / 16;
                        for (int k = 0; k < 16; k += FB_LANES) {
                            // ggml: (d·scale) rounded to f32, then times q − 32
                            KBlocks.widen16(lo, k).mul(s[j]).intoArray(dst, y + c + k);
                            KBlocks.widen16(hi, k).mul(s[j + 4]).intoArray(dst, y + 64 + c + k);
                        }
                    }
                }
            }
        }
    }
}
