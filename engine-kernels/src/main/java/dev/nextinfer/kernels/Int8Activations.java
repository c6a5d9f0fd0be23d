package dev.nextinfer.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Activation rows quantised to int8 per block of 32, as llama.cpp quantises activations for its integer kernels
 * ({@code quantize_row_q8_0}): per block {@code d = max|x| / 127}, {@code q = round(x · (1/d))} (half away from
 * zero) and {@code d} kept rounded to f16, so the integer kernels round exactly as llama.cpp's do; {@code q} kept
 * as {@code short}s (the integer kernels multiply in 16-bit lanes) with each block's {@code Σ q}. (An f32 {@code d}
 * rounds less, but on the fixtures' Q4_0 model it did not give logits closer to the exact answer: 1.37× llama.cpp's
 * mean KL against 1.01× with the f16 rule.)
 *
 * <p>One instance per thread, reused: a mat-vec is split into many row chunks, and a MoE step multiplies the same
 * activation row by many expert matrices, so {@link #of} first checks whether this thread's last quantised rows are
 * bit for bit the ones asked for (a vectorised compare of the f32 values) and then reuses them.
 */
final class Int8Activations {
    static final int QK = 32;
    /** Floats of at most 16 lanes (a block is a whole number of vectors), their int and half-width short twins. */
    private static final VectorSpecies<Float> F = Simd.FB;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final ThreadLocal<Int8Activations> LOCAL = ThreadLocal.withInitial(Int8Activations::new);

    /** Quantised values, row {@code t} at {@code t·cols}. */
    short[] q = new short[0];
    /** Block scales, row {@code t}'s block {@code b} at {@code t·(cols / 32) + b}. */
    float[] d = new float[0];
    /** {@code Σ q} per block, indexed as {@link #d}. */
    int[] sum = new int[0];
    /**
     * {@code Σ q} per half block of 16, row {@code t}'s half {@code h} at {@code t·(cols / 16) + h}: the K formats
     * with sub-blocks of 16 and a minimum or an offset per sub-block (Q2_K, Q3_K) need them.
     */
    int[] half = new int[0];
    /**
     * The coefficients of the nibble-quad kernels ({@link Q4_0R32Matrix}), indexed as {@link #q}: {@code q[j]} where
     * {@code j ≡ 0 (mod 4)}, else {@code q[j] − 16·q[j−1]}. For a 16-bit word {@code w} holding four 4-bit values
     * {@code n₀ + 16n₁ + 256n₂ + 4096n₃}, {@code Σ nᵢ·q[j+i] = Σ (w >>> 4i)·quad[j+i]} modulo 2¹⁶ (the terms
     * telescope), so four columns cost one load, three shifts and no masks.
     */
    short[] quad = new short[0];
    private float[] source = new float[0];
    private int cols = -1;
    private int rows = -1;

    private Int8Activations() {
    }

    /**
     * This thread's quantisation of rows {@code x[xOff + t·xStride ..][0, cols)}, {@code t < n}; valid until the
     * thread's next call. {@code cols} must be a multiple of 32.
     */
    static Int8Activations of(float[] x, int xOff, int xStride, int n, int cols) {
        Int8Activations a = LOCAL.get();
        if (!a.holds(x, xOff, xStride, n, cols)) {
            a.quantise(x, xOff, xStride, n, cols);
        }
        return a;
    }

    private boolean holds(float[] x, int xOff, int xStride, int n, int cols) {
        if (this.cols != cols || this.rows != n) {
            return false;
        }
        for (int t = 0; t < n; t++) {
            int o = xOff + t * xStride;
            if (!Arrays.equals(x, o, o + cols, source, t * cols, (t + 1) * cols)) {
                return false;
            }
        }
        return true;
    }

    private void quantise(float[] x, int xOff, int xStride, int n, int cols) {
        int size = n * cols;
        if (q.length < size) {
            q = new short[size];
            source = new float[size];
            d = new float[size / QK];
            sum = new int[size / QK];
            half = new int[size / 16];
            quad = new short[size];
        }
        this.cols = -1; // not valid while being written
        for (int t = 0; t < n; t++) {
            System.arraycopy(x, xOff + t * xStride, source, t * cols, cols);
            quantiseRow(source, t * cols, cols, q, d, sum, half);
            quads(q, t * cols, cols, quad);
        }
        this.cols = cols;
        this.rows = n;
    }

    /**
     * Quantises {@code x[off, off + cols)} into {@code q[off ..]}, {@code d[off / 32 ..]}, {@code sum[off / 32 ..]}:
     * per block a vector pass for {@code max|x|} (exact in any order) and one rounding {@code x·(1/d)} per value.
     */
    static void quantiseRow(float[] x, int off, int cols, short[] q, float[] d, int[] sum) {
        quantiseRow(x, off, cols, q, d, sum, null);
    }

    /**
     * As {@link #quantiseRow(float[], int, int, short[], float[], int[])}, and where {@code half} is not null each
     * half block's {@code Σ q} into {@code half[off / 16 ..]}: the block sums are summed by halves anyway, so the
     * halves cost nothing more than storing them (they replace a scalar pass over the values).
     */
    static void quantiseRow(float[] x, int off, int cols, short[] q, float[] d, int[] sum, int[] half) {
        for (int b = 0; b < cols / QK; b++) {
            int o = off + b * QK;
            FloatVector m = FloatVector.zero(F);
            for (int j = 0; j < QK; j += F.length()) {
                m = m.max(FloatVector.fromArray(F, x, o + j).abs());
            }
            float db = m.reduceLanes(VectorOperators.MAX) / 127f;
            float id = db != 0f ? 1f / db : 0f;
            int blockSum = 0;
            IntVector h = IntVector.zero(I); // the current half block's sums (a lane count divides 16)
            for (int j = 0; j < QK; j += F.length()) {
                FloatVector v = FloatVector.fromArray(F, x, o + j).mul(id);
                // roundHalfAway, lane-wise: truncate |v| + 0.5, then the sign back as (r ^ s) − s with s = 0 or −1
                // from v's sign bit. (The first version negated under a mask, v.lt(0f).cast(I): in a real decode C2
                // left that unintrinsified and boxed the vectors, 8 MB of garbage per token; JFR.)
                IntVector r = (IntVector) v.abs().add(0.5f).convert(VectorOperators.F2I, 0);
                IntVector sign = v.reinterpretAsInts().lanewise(VectorOperators.ASHR, 31);
                r = r.lanewise(VectorOperators.XOR, sign).sub(sign);
                ((ShortVector) r.convertShape(VectorOperators.I2S, S, 0)).intoArray(q, o + j);
                h = h.add(r);
                if ((j + F.length()) % 16 == 0) { // a half block done: the block's sum is its halves'
                    int hs = h.reduceLanes(VectorOperators.ADD);
                    if (half != null) {
                        half[(o + j) / 16] = hs;
                    }
                    blockSum += hs;
                    h = IntVector.zero(I);
                }
            }
            d[o / QK] = Float.float16ToFloat(Float.floatToFloat16(db)); // llama.cpp keeps d in f16
            sum[o / QK] = blockSum;
        }
    }

    /** {@link #quad}'s coefficients of {@code q[off, off + cols)} into {@code quad[off ..]} ({@code cols} a multiple of 4). */
    static void quads(short[] q, int off, int cols, short[] quad) {
        for (int j = off; j < off + cols; j += 4) {
            quad[j] = q[j];
            quad[j + 1] = (short) (q[j + 1] - 16 * q[j]);
            quad[j + 2] = (short) (q[j + 2] - 16 * q[j + 1]);
            quad[j + 3] = (short) (q[j + 3] - 16 * q[j + 2]);
        }
    }

    /**
     * C's {@code roundf} (to the nearest integer, halves away from zero) as the vector code computes it: the
     * truncation of {@code |v| + 0.5f} in f32, with {@code v}'s sign (NaN gives 0). It differs from {@code roundf}
     * only just below a half, where the f32 sum rounds up.
     */
    static int roundHalfAway(float v) {
        int r = (int) (Math.abs(v) + 0.5f);
        return v < 0f ? -r : r;
    }
}
