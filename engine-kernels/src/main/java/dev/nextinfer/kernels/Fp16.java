package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;

/**
 * IEEE binary16 storage for activations such as cached keys and values. The Vector API (JDK 25) has no f16 lane
 * conversion, but C2's loop vectoriser compiles a plain loop over {@link Float#float16ToFloat} into the CPU's f16
 * conversion instruction (F16C / AVX-512), one operation per vector: the decoders are such loops (they replaced an
 * integer-lane decoding of seven operations per vector; 20–25% faster per 64 × 256 tile, in cache and from memory,
 * one thread on the reference machine, alternating with the lane version, another job running). Cached f16 keys and
 * values no longer go through them: the KV tiles keep f16 in runs too short for a loop, and a decode step's
 * attention widens each vector in registers next to the FMAs that use it ({@link F16Tiles#widen}, the lane form
 * again, which pays there because nothing is written out); these loops decode the block formats' f16 scales and
 * tails. Exact, as {@link Float#float16ToFloat} is; {@link #encode}
 * clamps to ±65504 and maps NaN to 0, so no infinity or NaN is ever stored.
 */
public final class Fp16 {
    private static final float MAX = 65504f;

    private Fp16() {
    }

    /** f32 → f16 bits, rounding to nearest even, clamped to the finite range. */
    public static short encode(float f) {
        if (Float.isNaN(f)) {
            return 0;
        }
        return Float.floatToFloat16(Math.max(-MAX, Math.min(MAX, f)));
    }

    /** Encodes {@code n} values. */
    public static void encode(float[] src, int srcOff, short[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = encode(src[srcOff + i]);
        }
    }

    /** f16 bits → f32 (exact). */
    public static float decode(short h) {
        return Float.float16ToFloat(h);
    }

    /** Decodes {@code n} halves written by {@link #encode} into floats. */
    public static void decode(short[] src, int srcOff, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src[srcOff + i]);
        }
    }

    /** Decodes {@code n} little-endian halves written by {@link #encode} from byte {@code off} of {@code src}. */
    public static void decode(MemorySegment src, long off, float[] dst, int dstOff, int n) {
        for (int i = 0; i < n; i++) {
            dst[dstOff + i] = Float.float16ToFloat(src.get(Blocks.LE_SHORT, off + 2L * i));
        }
    }
}
