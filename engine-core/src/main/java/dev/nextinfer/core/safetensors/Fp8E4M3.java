package dev.nextinfer.core.safetensors;

/** float8 e4m3fn ({@code torch.float8_e4m3fn}): bias 7, subnormals, no infinities, NaN = S.1111.111, max 448. */
public final class Fp8E4M3 {
    private static final float[] TABLE = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            int sign = (b >> 7) & 1;
            int exp = (b >> 3) & 0xF;
            int man = b & 7;
            float v;
            if (exp == 0xF && man == 7) {
                v = Float.NaN;
            } else if (exp == 0) {
                v = man / 8.0f * (float) Math.pow(2, -6);
            } else {
                v = (1 + man / 8.0f) * (float) Math.pow(2, exp - 7);
            }
            TABLE[b] = sign == 1 ? -v : v;
        }
    }

    private Fp8E4M3() {
    }

    /** The value of an e4m3fn byte. */
    public static float toFloat(byte b) {
        return TABLE[b & 0xFF];
    }
}
