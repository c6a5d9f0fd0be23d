package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The f16 decoders (loops C2 vectorises) against the JDK's scalar conversion, on odd lengths and special values. */
class Fp16Test {

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 15, 16, 17, 33, 256, 1001})
    void decodeMatchesJdk(int n) {
        float[] x = new Rand(n).normal(n, 30);
        x[0] = 1e-6f;          // f16 subnormal
        if (n > 3) {
            x[1] = -0.0f;
            x[2] = 1e9f;       // clamped to 65504
            x[3] = Float.NaN;  // stored as 0
        }
        short[] h = new short[n + 3];
        Fp16.encode(x, 0, h, 3, n);
        float[] out = new float[n + 1];
        Fp16.decode(h, 3, out, 1, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.float16ToFloat(h[3 + i]), out[1 + i], 0f, "index " + i);
        }
        if (n > 3) {
            assertEquals(65504f, out[1 + 2]);
            assertEquals(0f, out[1 + 3]);
            assertEquals(Float.floatToIntBits(-0.0f), Float.floatToIntBits(out[1 + 1]));
        }
    }

    @Test
    void everyFiniteHalfDecodesExactly() {
        short[] all = new short[65536];
        int n = 0;
        for (int b = 0; b < 65536; b++) {
            if (((b >> 10) & 0x1F) != 0x1F) { // skip inf/NaN, which encode never produces
                all[n++] = (short) b;
            }
        }
        float[] out = new float[n];
        Fp16.decode(all, 0, out, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(Float.float16ToFloat(all[i])), Float.floatToIntBits(out[i]), "bits " + all[i]);
        }
    }

    @Test
    void everyFiniteHalfDecodesExactlyFromMemory() {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            java.lang.foreign.MemorySegment seg = arena.allocate(2L * 65536 + 2);
            int n = 0;
            for (int b = 0; b < 65536; b++) {
                if (((b >> 10) & 0x1F) != 0x1F) {
                    seg.set(Blocks.LE_SHORT, 2 + 2L * n++, (short) b);
                }
            }
            // an odd offset into the segment and an odd count, so no part of it is a whole number of vectors
            float[] out = new float[n + 3];
            Fp16.decode(seg, 2, out, 3, n - 1);
            for (int i = 0; i < n - 1; i++) {
                short h = seg.get(Blocks.LE_SHORT, 2 + 2L * i);
                assertEquals(Float.floatToIntBits(Float.float16ToFloat(h)), Float.floatToIntBits(out[3 + i]), "bits " + h);
            }
        }
    }
}
