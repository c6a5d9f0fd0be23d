package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.KBlocks.SIGNED6;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * ggml's IQ4_XS, in ggml's own layout (a GGUF tensor is wrapped in place). A row is {@code cols / 256}
 * super-blocks of 136 bytes, rows follow each other without padding:
 * <pre>
 *   block_iq4_xs {
 *     f16   d;            bytes  0–1    scale of the sub-block scales
 *     u16   scales_h;     bytes  2–3    bits 2j–2j+1: high 2 bits of sub-block j's scale
 *     u8    scales_l[4];  bytes  4–7    low 4 bits of sub-block j's scale: nibble j (byte j/2, low nibble first)
 *     u8    qs[128];      bytes  8–135  4-bit indices: byte 16j + l holds value 32j + l in its low nibble and
 *                                       value 32j + 16 + l in its high nibble (j &lt; 8, l &lt; 16)
 *   }
 * </pre>
 * Value {@code 32j + l} is {@code dl·kvalues[q]} with {@code dl = d·(ls − 32)} rounded to f32 first and
 * {@code kvalues} ggml's non-linear table {@code kvalues_iq4nl} (−127 … 113), as ggml's
 * {@code dequantize_row_iq4_xs} computes it: {@link #row} gives ggml's floats bit for bit.
 *
 * <p>Kernels. The table has 16 int8 entries, so it fits one 16-byte register: the nibbles of 16 bytes are looked up
 * with one byte shuffle each ({@code selectFrom}, {@code vpshufb}) and the looked-up int8 values widened to f32,
 * one more instruction per 16 values than {@link Q4_0Matrix}'s "− 8". Each sub-block's products are scaled by its
 * 6-bit scale (a float looked up), the super-block's by {@code d}.
 */
public final class IQ4_XSMatrix extends SuperBlockMatrix {
    /** Bytes per super-block of 256 values. */
    static final int BLOCK_BYTES = 136;
    /** ggml's {@code kvalues_iq4nl}, the same table as IQ4_NL's. */
    private static final ByteVector TABLE = ByteVector.fromArray(KBlocks.B16, IQ4_NLMatrix.VALUES, 0);

    /** Wraps {@code rows × cols} values stored in ggml's layout at the start of {@code data} (no copy). */
    public IQ4_XSMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public MatrixFormat format() {
        return MatrixFormat.IQ4_XS;
    }

    @Override
    float[] prepare(float[] x, int xOff) {
        return null;
    }

    /** 6-bit scale of sub-block {@code j}, from the low nibbles {@code sl} and high bit pairs {@code sh}. */
    private static int scale(int sl, int sh, int j) {
        return (sl >>> 4 * j & 0xF) | (sh >>> 2 * j & 3) << 4;
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
        FloatVector acc = FloatVector.zero(FB);
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            int sh = data.get(KBlocks.LE_SHORT, o + 2);
            int sl = data.get(KBlocks.LE_INT, o + 4);
            int xb = xOff + QK_K * b;
            FloatVector s = FloatVector.zero(FB);
            for (int j = 0; j < 8; j++) {
                ByteVector v = KBlocks.load16(data, o + 8 + 16L * j);
                ByteVector lo = v.and((byte) 0x0F).selectFrom(TABLE);
                ByteVector hi = KBlocks.high4(v).selectFrom(TABLE);
                FloatVector p = FloatVector.zero(FB);
                for (int c = 0; c < 16; c += FB_LANES) {
                    p = KBlocks.widen16(lo, c).fma(FloatVector.fromArray(FB, x, xb + 32 * j + c), p);
                    p = KBlocks.widen16(hi, c).fma(FloatVector.fromArray(FB, x, xb + 32 * j + 16 + c), p);
                }
                s = p.fma(FloatVector.broadcast(FB, SIGNED6[scale(sl, sh, j)]), s);
            }
            acc = s.fma(FloatVector.broadcast(FB, KBlocks.f16(data, o)), acc);
        }
        return Simd.sum(acc);
    }

    /** Scales as floats as {@link #dot} looks them up, {@code d}, and the looked-up table values. */
    @Override
    void widen(int row, int b, float[] q, float[] s) {
        long o = row * rowBytes + (long) b * BLOCK_BYTES;
        int sh = data.get(KBlocks.LE_SHORT, o + 2);
        int sl = data.get(KBlocks.LE_INT, o + 4);
        for (int j = 0; j < 8; j++) {
            s[SCALES * b + j] = SIGNED6[scale(sl, sh, j)];
            ByteVector v = KBlocks.load16(data, o + 8 + 16L * j);
            ByteVector lo = v.and((byte) 0x0F).selectFrom(TABLE);
            ByteVector hi = KBlocks.high4(v).selectFrom(TABLE);
            for (int c = 0; c < 16; c += FB_LANES) {
                KBlocks.widen16(lo, c).intoArray(q, QK_K * b + 32 * j + c);
                KBlocks.widen16(hi, c).intoArray(q, QK_K * b + 32 * j + 16 + c);
            }
        }
        s[SCALES * b + 8] = KBlocks.f16(data, o);
    }

    @Override
    int stateFloats() {
        return IQ4_XSRows.STATE;
    }

    @Override
    void widenedRows(int row, float[] q, float[] s, float[] x, int xo, int xStride, float[] st, int a, int aStride) {
        IQ4_XSRows.four(nb, q, s, x, xo, xStride, st, a, aStride);
    }

    @Override
    float widenedResult(float[] st, int a) {
        return IQ4_XSRows.result(st, a);
    }

    @Override
    public void row(int row, float[] dst, int off) {
        long o = row * rowBytes;
        for (int b = 0; b < nb; b++, o += BLOCK_BYTES) {
            float d = KBlocks.f16(data, o);
            int sh = data.get(KBlocks.LE_SHORT, o + 2);
            int sl = data.get(KBlocks.LE_INT, o + 4);
            for (int j = 0; j < 8; j++) {
                float dl = d * (scale(sl, sh, j) - 32); // ggml: d·(ls − 32) in f32, then dl·kvalue
                ByteVector v = KBlocks.load16(data, o + 8 + 16L * j);
                ByteVector lo = v.and((byte) 0x0F).selectFrom(TABLE);
                ByteVector hi = KBlocks.high4(v).selectFrom(TABLE);
                int y = off + QK_K * b + 32 * j;
                for (int c = 0; c < 16; c += FB_LANES) {
                    KBlocks.widen16(lo, c).mul(dl).intoArray(dst, y + c);
                    KBlocks.widen16(hi, c).mul(dl).intoArray(dst, y + 16 + c);
                }
            }
        }
    }
}
