package dev.nextinfer.kernels;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** The vector species every kernel uses: the machine's preferred float width and its integer twins. */
final class Simd {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LANES = F.length();
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Shorts with as many lanes as {@link #F}: half the bit size (bf16 loads widen to {@link #I}). */
    static final VectorSpecies<Short> S_HALF =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));

    /**
     * Floats for the 32-value block formats: {@link #F}, capped at 16 lanes so that a block (and each half of a
     * Q4_0 block) is a whole number of vectors.
     */
    static final VectorSpecies<Float> FB = F.length() <= 16 ? F : FloatVector.SPECIES_512;
    /** Lanes of {@link #FB}: 4, 8 or 16. */
    static final int FB_LANES = FB.length();
    /**
     * Bytes loaded to widen into one {@link #FB} vector: {@link #FB_LANES} bytes (16 on AVX-512, 8 on AVX2), but at
     * least 8 (the smallest byte species), of which only the first {@link #FB_LANES} are used. Widening always
     * takes part 0 of a load: C2 compiles that to one sign-extending move, while parts above 0 fall back to slow
     * Java code.
     */
    static final VectorSpecies<Byte> BL = FB_LANES >= 8
            ? VectorSpecies.of(byte.class, VectorShape.forBitSize(FB_LANES * 8))
            : ByteVector.SPECIES_64;

    // Shuffles of the pairwise tree in sum(): lane i takes lane i + k (mod length).
    private static final VectorShuffle<Float> S512_8 = VectorShuffle.iota(FloatVector.SPECIES_512, 8, 1, true);
    private static final VectorShuffle<Float> S512_4 = VectorShuffle.iota(FloatVector.SPECIES_512, 4, 1, true);
    private static final VectorShuffle<Float> S512_2 = VectorShuffle.iota(FloatVector.SPECIES_512, 2, 1, true);
    private static final VectorShuffle<Float> S512_1 = VectorShuffle.iota(FloatVector.SPECIES_512, 1, 1, true);
    private static final VectorShuffle<Float> S256_4 = VectorShuffle.iota(FloatVector.SPECIES_256, 4, 1, true);
    private static final VectorShuffle<Float> S256_2 = VectorShuffle.iota(FloatVector.SPECIES_256, 2, 1, true);
    private static final VectorShuffle<Float> S256_1 = VectorShuffle.iota(FloatVector.SPECIES_256, 1, 1, true);
    private static final VectorShuffle<Float> S128_2 = VectorShuffle.iota(FloatVector.SPECIES_128, 2, 1, true);
    private static final VectorShuffle<Float> S128_1 = VectorShuffle.iota(FloatVector.SPECIES_128, 1, 1, true);

    private Simd() {
    }

    /**
     * Sum of the lanes in a fixed pairwise order. {@code reduceLanes(ADD)} may not be used for results that must be
     * reproducible: its JIT-compiled form adds the lanes in a different order from its interpreted form, so the same
     * call gave results 1 ulp apart depending on whether C2 had compiled the caller yet. Lane-wise adds and
     * rearranges are exact in both forms. Vectors of 4, 8 or 16 lanes; others fall back to a sequential sum.
     */
    static float sum(FloatVector v) {
        switch (v.length()) {
            case 16 -> {
                v = v.add(v.rearrange(S512_8));
                v = v.add(v.rearrange(S512_4));
                v = v.add(v.rearrange(S512_2));
                v = v.add(v.rearrange(S512_1));
            }
            case 8 -> {
                v = v.add(v.rearrange(S256_4));
                v = v.add(v.rearrange(S256_2));
                v = v.add(v.rearrange(S256_1));
            }
            case 4 -> {
                v = v.add(v.rearrange(S128_2));
                v = v.add(v.rearrange(S128_1));
            }
            default -> {
                float s = 0f;
                for (int i = 0; i < v.length(); i++) {
                    s += v.lane(i);
                }
                return s;
            }
        }
        return v.lane(0);
    }

    /**
     * {@code sum(fromArray(FB, a, off).add(fromArray(FB, a, off + FB_LANES)))} with the same bits, in scalar code: the
     * lane sums of kernels that keep their running vectors in memory. Scalar on purpose: a kernel whose C2 node budget
     * is spent cannot inline {@link #sum(FloatVector)}, and a vector handed to a method that is not inlined is boxed
     * (measured on {@link Q6_KMatrix}: one allocation per row, and the add through the Java fallback).
     */
    static float sumPair(float[] a, int off) {
        return tree(a, off, FB_LANES);
    }

    /** {@code sum(fromArray(FB, a, off))} with the same bits, in scalar code (see {@link #sumPair}). */
    static float sumOf(float[] a, int off) {
        return tree(a, off, FB_LANES / 2);
    }

    /**
     * The pairwise tree of {@link #sum(FloatVector)} over {@code a[off .. off + 2·half)}: lane i + lane i + half, then
     * + half/2, …; only the lanes that reach lane 0 are computed.
     */
    private static float tree(float[] a, int off, int half) {
        int o = off + half;
        switch (half) {
            case 16 -> {
                float w0 = (a[off] + a[o]) + (a[off + 8] + a[o + 8]);
                float w1 = (a[off + 1] + a[o + 1]) + (a[off + 9] + a[o + 9]);
                float w2 = (a[off + 2] + a[o + 2]) + (a[off + 10] + a[o + 10]);
                float w3 = (a[off + 3] + a[o + 3]) + (a[off + 11] + a[o + 11]);
                float w4 = (a[off + 4] + a[o + 4]) + (a[off + 12] + a[o + 12]);
                float w5 = (a[off + 5] + a[o + 5]) + (a[off + 13] + a[o + 13]);
                float w6 = (a[off + 6] + a[o + 6]) + (a[off + 14] + a[o + 14]);
                float w7 = (a[off + 7] + a[o + 7]) + (a[off + 15] + a[o + 15]);
                return ((w0 + w4) + (w2 + w6)) + ((w1 + w5) + (w3 + w7));
            }
            case 8 -> {
                float w0 = (a[off] + a[o]) + (a[off + 4] + a[o + 4]);
                float w1 = (a[off + 1] + a[o + 1]) + (a[off + 5] + a[o + 5]);
                float w2 = (a[off + 2] + a[o + 2]) + (a[off + 6] + a[o + 6]);
                float w3 = (a[off + 3] + a[o + 3]) + (a[off + 7] + a[o + 7]);
                return (w0 + w2) + (w1 + w3);
            }
            case 4 -> {
                return ((a[off] + a[o]) + (a[off + 2] + a[o + 2])) + ((a[off + 1] + a[o + 1]) + (a[off + 3] + a[o + 3]));
            }
            case 2 -> {
                return (a[off] + a[o]) + (a[off + 1] + a[o + 1]);
            }
            default -> throw new IllegalStateException("no lane-sum tree for " + 2 * half + " lanes");
        }
    }

    // exp: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by Cephes' degree-6 polynomial, 2^n put in the exponent bits.
    private static final float EXP_MIN = -87.33654475f; // ln(2^-126): below it the result would be subnormal
    private static final float EXP_MAX = 88.37626266f; // largest x whose n stays ≤ 127
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2 = 0.693147182464599609375f; // ln 2 rounded to float …
    private static final float LN2_LO = -1.904654299957768e-9f; // … and what that rounding left out
    private static final float ROUND = 12582912f; // 1.5·2^23: adding it rounds to an integer, kept in the low bits
    private static final float P0 = 1.9875691500e-4f;
    private static final float P1 = 1.3981999507e-3f;
    private static final float P2 = 8.3334519073e-3f;
    private static final float P3 = 4.1665795894e-2f;
    private static final float P4 = 1.6666665459e-1f;
    private static final float P5 = 5.0000001201e-1f;

    /**
     * In place, {@code a[off + i] = e^{a[off + i]}}, within 2 ulp of the exact value, and the same bits in every lane
     * position, every vector width and every JIT state: {@link #exp(float)} is its scalar twin. {@code lanewise(EXP)}
     * may not be used where results must be reproducible: compiled it calls the JDK's SIMD math library, interpreted
     * it calls {@code Math.exp} per lane, and the two differ in the last bit, so the same forward pass gave different
     * logits before and after C2 compiled it. Only adds, multiplies, fused multiply-adds and bit moves here, which
     * round the same everywhere. Below ln(2^-126) the result is 0 (no subnormals); above 88.376 it is e^88.376, not
     * the float's exact e^x (callers pass x ≤ 0: softmax and decay exponents).
     */
    static void exp(float[] a, int off, int n) {
        expOrSilu(a, off, a, off, n, false);
    }

    /**
     * {@link #exp(float[], int, int)} ({@code silu} false) or {@link Activations#silu(float)} ({@code silu} true:
     * {@code x·(x < 0 ? e : 1)/(1 + e)} with {@code e = e^{−|x|}}) of {@code src[so ..]} into {@code dst[dOff ..]}
     * ({@code dst} may be {@code src} at the same offset). The one place the vector exponential is written: as arrays,
     * not as a method taking a vector, because C2 boxes the vectors passed to a helper it does not inline, and in a
     * decode step's small calls it did not inline {@code silu(FloatVector)} ("too big" for a call site it did not
     * count as hot): 44 ns per SiLU, a DeltaNet layer's convolution 0.34 ms instead of 0.06 (one thread).
     */
    static void expOrSilu(float[] src, int so, float[] dst, int dOff, int n, boolean silu) {
        VectorSpecies<Float> sp = F;
        int i = 0;
        for (int end = sp.loopBound(n); i < end; i += sp.length()) {
            FloatVector v = FloatVector.fromArray(sp, src, so + i);
            FloatVector x = silu ? v.abs().neg() : v;
            VectorMask<Float> under = x.lt(EXP_MIN);
            FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);
            FloatVector shifted = xc.mul(LOG2E).add(ROUND); // n + 1.5·2^23, exactly
            FloatVector k = shifted.sub(ROUND);
            FloatVector r = k.fma(FloatVector.broadcast(sp, -LN2), xc);
            r = k.fma(FloatVector.broadcast(sp, -LN2_LO), r);
            FloatVector p = r.fma(FloatVector.broadcast(sp, P0), FloatVector.broadcast(sp, P1));
            p = p.fma(r, FloatVector.broadcast(sp, P2));
            p = p.fma(r, FloatVector.broadcast(sp, P3));
            p = p.fma(r, FloatVector.broadcast(sp, P4));
            p = p.fma(r, FloatVector.broadcast(sp, P5));
            FloatVector y = p.fma(r.mul(r), r).add(1f);
            // the low 9 bits of shifted's bits hold k (mod 512): k + 127 shifted into the exponent field is 2^k
            FloatVector scale = shifted.reinterpretAsInts().add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = y.mul(scale).blend(0f, under);
            if (silu) {
                FloatVector numerator = FloatVector.broadcast(sp, 1f).blend(e, v.lt(0f));
                e = v.mul(numerator.div(e.add(1f)));
            }
            e.intoArray(dst, dOff + i);
        }
        for (; i < n; i++) {
            dst[dOff + i] = silu ? Activations.silu(src[so + i]) : exp(src[so + i]);
        }
    }

    /** The scalar twin of {@link #exp(float[], int, int)}: the same operations in the same order, so the same bits. */
    static float exp(float x) {
        if (x < EXP_MIN) {
            return 0f;
        }
        float xc = Math.min(Math.max(x, EXP_MIN), EXP_MAX);
        float shifted = xc * LOG2E + ROUND;
        float n = shifted - ROUND;
        float r = Math.fma(n, -LN2, xc);
        r = Math.fma(n, -LN2_LO, r);
        float p = Math.fma(r, P0, P1);
        p = Math.fma(p, r, P2);
        p = Math.fma(p, r, P3);
        p = Math.fma(p, r, P4);
        p = Math.fma(p, r, P5);
        float y = Math.fma(p, r * r, r) + 1f;
        return y * Float.intBitsToFloat((Float.floatToRawIntBits(shifted) + 127) << 23);
    }
}
