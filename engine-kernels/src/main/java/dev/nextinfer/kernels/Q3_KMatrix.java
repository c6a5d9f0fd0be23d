package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.KBlocks.SIGNED6;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's Q3_K, in ggml's own layout (a GGUF tensor is wrapped in place). A row is {@code cols / 256} super-blocks
 * of 110 bytes, rows follow each other without padding:
 * <pre>
 *   block_q3_K {
 *     u8    hmask[32];   bytes   0–31   high bits: bit 4h + t of byte l belongs to value 128h + 32t + l
 *     u8    qs[64];      bytes  32–95   low 2 bits: bits 2t–2t+1 of byte 32h + l belong to value 128h + 32t + l
 *     u8    scales[12];  bytes  96–107  16 six-bit scales: low 4 bits of scale j in the low (j &lt; 8) or high
 *                                       (j ≥ 8) nibble of byte j mod 8, high 2 bits in bits 2(j/4)–2(j/4)+1 of
 *                                       byte 8 + j mod 4
 *     f16   d;           bytes 108–109  scale of the scales
 *   }
 * </pre>
 * Value {@code k} is {@code dl·q} with {@code q = low − (high bit ? 0 : 4)} ({@code −4 … 3}) and
 * {@code dl = d·(scale[k / 16] − 32)} rounded to f32 first, as ggml's {@code dequantize_row_q3_K} computes it:
 * {@link #row} gives ggml's floats bit for bit.
 *
 * <p>Kernels. Per 16 bytes of {@code qs} and of {@code hmask}: the two low bits (shift, AND) and the high bit
 * moved to bit 2 (shift, AND) are OR-ed and offset by −4 on 16-byte registers, then widened to f32. The 16 scales
 * are unpacked with integer operations on three 32-bit words and looked up as floats; {@code d} is applied once
 * per super-block.
 */
public final class Q3_KMatrix extends SuperBlockMatrix {
    /** Bytes per super-block of 256 values. */
    static final int BLOCK_BYTES = 110;

    /** Wraps {@code rows × cols} values stored in ggml's layout at the start of {@code data} (no copy). */
    public Q3_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.Q3_K;
    }

    @Override
    float[] prepare(float[] x, int xOff) {
        return null;
    }

    /** The 16 six-bit scales of the super-block at {@code o}, scale j in byte j (little-endian) of the two longs. */
    private long[] scales(long o, long[] dst) {
        int a0 = data.get(KBlocks.LE_INT, o + 96);
        int a1 = data.get(KBlocks.LE_INT, o + 100);
        int a2 = data.get(KBlocks.LE_INT, o + 104);
        int w0 = (a0 & 0x0F0F0F0F) | (a2 & 0x03030303) << 4;
        int w1 = (a1 & 0x0F0F0F0F) | (a2 >>> 2 & 0x03030303) << 4;
        int w2 = (a0 >>> 4 & 0x0F0F0F0F) | (a2 >>> 4 & 0x03030303) << 4;
        int w3 = (a1 >>> 4 & 0x0F0F0F0F) | (a2 >>> 6 & 0x03030303) << 4;
        dst[0] = (w0 & 0xFFFFFFFFL) | (long) w1 << 32;
        dst[1] = (w2 & 0xFFFFFFFFL) | (long) w3 << 32;
        return dst;
    }

    /** Scale {@code j} (0–63, offset by 32) from {@link #scales}. */
    private static int scale(long lo, long hi, int j) {
        return (int) ((j < 8 ? lo : hi) >>> 8 * (j & 7)) & 0xFF;
    }

    /**
     * The 16 quants {@code q} ({@code −4..3}) of values {@code 128h + 32t + c ..} from 16 bytes of {@code qs} and of
     * {@code hmask}: bits {@code 2t} of the former (a shift), bit {@code 4h + t} of the latter brought to bit 2 (a
     * shift of the 32-bit lanes by {@code 2 − 4h − t}; bits crossing from a neighbouring byte land on bits 0–1 or
     * 3–7 and are masked), minus 4.
     * Shift and rotation counts vary with the loop indices so that the code exists once (see {@link Q4_KMatrix}).
     */
    private static ByteVector quants(ByteVector q, ByteVector hm, int h, int t) {
        ByteVector low = KBlocks.shiftBits(q, -2 * t).and((byte) 3);
        ByteVector high = KBlocks.shiftBits(hm, 2 - 4 * h - t).and((byte) 4);
        return low.or(high).sub((byte) 4);
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
    float dot(int row, float[] x, int xOff, float[] unused) {
        long o = row * rowBytes;
        long[] sc = new long[2];
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            scales(o, sc);
            long lo = sc[0];
            long hi = sc[1];
            int xb = xOff + QK_K * b;
            FloatVector s = FloatVector.zero(FB);
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < 4; t++) {
                    for (int c = 0; c < 32; c += 16) {
                        ByteVector q = quants(KBlocks.load16(data, o + 32 + 32L * h + c), KBlocks.load16(data, o + c), h, t);
                        FloatVector scv = FloatVector.broadcast(FB, SIGNED6[scale(lo, hi, 8 * h + 2 * t + c / 16)]);
                        for (int k = 0; k < 16; k += FB_LANES) {
                            s = KBlocks.widen16(q, k).mul(FloatVector.fromArray(FB, x, xb + 128 * h + 32 * t + c + k)).fma(scv, s);
                        }
                    }
                }
            }
            acc = s.fma(FloatVector.broadcast(FB, KBlocks.f16(data, o + 108)), acc);
        }
        return Simd.sum(acc);
    }

    /** Scales as floats as {@link #dot} looks them up, {@code d}, and the quants as it puts them together. */
    @Override
    void widen(int row, int b, float[] q, float[] s) {
        long o = row * rowBytes + (long) b * BLOCK_BYTES;
        long[] sc = scales(o, new long[2]);
        for (int j = 0; j < 16; j++) {
            s[SCALES * b + j] = SIGNED6[scale(sc[0], sc[1], j)];
        }
        s[SCALES * b + 16] = KBlocks.f16(data, o + 108);
        for (int h = 0; h < 2; h++) {
            for (int t = 0; t < 4; t++) {
                for (int c = 0; c < 32; c += 16) {
                    ByteVector v = quants(KBlocks.load16(data, o + 32 + 32L * h + c), KBlocks.load16(data, o + c), h, t);
                    for (int k = 0; k < 16; k += FB_LANES) {
                        KBlocks.widen16(v, k).intoArray(q, QK_K * b + 128 * h + 32 * t + c + k);
                    }
                }
            }
        }
    }

    @Override
    int stateFloats() {
        return Q3_KRows.STATE;
    }

    @Override
    void widenedRows(int row, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        Q3_KRows.four(nb, q, s, x, xo, xStride, st, a, aStride);
    }

    @Override
    float widenedResult(float[] st, int a) {
        return Q3_KRows.result(st, a);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long o = row * rowBytes;
        long[] sc = new long[2];
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            scales(o, sc);
            float d = KBlocks.f16(data, o + 108);
            for (int h = 0; h < 2; h++) {
                for (int t = 0; t < 4; t++) {
                    for (int c = 0; c < 32; c += 16) {
                        // ggml: d·(scale − 32) in f32, then dl·q
                        float dl = d * (scale(sc[0], sc[1], 8 * h + 2 * t + c / 16) - 32);
                        ByteVector q = quants(KBlocks.load16(data, o + 32 + 32L * h + c), KBlocks.load16(data, o + c), h, t);
                        for (int k = 0; k < 16; k += FB_LANES) {
                            KBlocks.widen16(q, k).mul(dl).intoArray(dst, off + QK_K * b + 128 * h + 32 * t + c + k);
                        }
                    }
                }
            }
        }
    }
}
