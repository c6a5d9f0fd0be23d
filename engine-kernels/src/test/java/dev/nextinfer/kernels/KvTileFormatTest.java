package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The KV tile formats against a scalar twin written from the layout table and llama.cpp's reference quantisers:
 * the bytes {@code putKey}/{@code putValue} write, and the vector decoders' output (bit for bit), on head widths
 * that are not multiples of the vector length, with slots written out of order and overwritten (q4_0 keys share a
 * byte between slots j and j + 32), zero blocks and values beyond f16's range. Run at 128-, 256- and 512-bit
 * vector widths by the build.
 */
class KvTileFormatTest {
    private static final int P = KvTileFormat.POSITIONS;
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @ParameterizedTest(name = "{0} hd={1}")
    @CsvSource({"F32, 17", "F32, 256", "F16, 24", "F16, 33", "F16, 256", "Q8_0, 32", "Q8_0, 96", "Q8_0, 256",
            "Q4_0, 32", "Q4_0, 64", "Q4_0, 256"})
    void matchesScalarTwin(KvTileFormat f, int hd) {
        SplittableRandom r = new SplittableRandom(hd * 31L + f.ordinal());
        long kb = f.keyBytes(hd);
        long vb = f.valueBytes(hd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment tile = arena.allocate(kb + vb + 64, 64);
            MemorySegment twin = arena.allocate(kb + vb + 64, 64);
            float[][] keys = new float[P][];
            float[][] values = new float[P][];
            int[] order = permutation(r);
            for (int round = 0; round < 2; round++) { // the second round overwrites half the slots
                for (int i = 0; i < (round == 0 ? P : P / 2); i++) {
                    int slot = order[(i * 7 + round) % P];
                    keys[slot] = sample(r, hd, slot);
                    values[slot] = sample(r, hd, slot + 1);
                    float[] k = new float[hd + 3];
                    System.arraycopy(keys[slot], 0, k, 3, hd);
                    f.putKey(tile, 0, hd, slot, k, 3);
                    f.putValue(tile, kb, hd, slot, values[slot], 0);
                    putKeyTwin(f, twin, 0, hd, slot, keys[slot]);
                    putValueTwin(f, twin, kb, hd, slot, values[slot]);
                }
            }
            assertEquals(-1, tile.mismatch(twin), "stored bytes differ from the scalar twin's");

            float[] kt = new float[hd * P];
            f.decodeKeys(tile, 0, hd, kt);
            for (int d = 0; d < hd; d++) {
                for (int j = 0; j < P; j++) {
                    float want = keyTwin(f, twin, 0, hd, j, d);
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(kt[d * P + j]), "key d" + d + " slot " + j);
                    assertEquals(want, f.key(tile, 0, hd, j, d), 0f);
                    assertClose(f, keys[j], d, want, hd);
                }
            }
            for (int[] range : new int[][] {{0, P}, {5, 17}, {63, 1}}) {
                float[] v = new float[range[1] * hd];
                f.decodeValues(tile, kb, hd, range[0], range[1], v);
                for (int i = 0; i < range[1]; i++) {
                    int s = range[0] + i;
                    for (int d = 0; d < hd; d++) {
                        float want = valueTwin(f, twin, kb, hd, s, d);
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(v[i * hd + d]), "value slot " + s + " d" + d);
                        assertEquals(want, f.value(tile, kb, hd, s, d), 0f);
                        assertClose(f, values[s], d, want, hd);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void blockFormatsNeedWholeBlocks() {
        assertFalse(KvTileFormat.Q8_0.supportsHeadDim(24));
        assertTrue(KvTileFormat.F16.supportsHeadDim(24));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(4096);
            assertThrows(IllegalArgumentException.class, () -> KvTileFormat.Q4_0.putKey(t, 0, 24, 0, new float[24], 0));
        }
        assertEquals(KvTileFormat.Q8_0, KvTileFormat.parse("q8_0"));
        assertEquals(34L * 256 / 32 * P, KvTileFormat.Q8_0.keyBytes(256));
        assertEquals(18L * 256 / 32 * P, KvTileFormat.Q4_0.valueBytes(256));
        assertEquals(2L * 256 * P, KvTileFormat.F16.valueBytes(256));
        assertEquals(2L * 64 * P, KvTileFormat.F16.valueBytes(33)); // two runs of 32 components, the second padded
    }

    /** Gaussian values, with a zero block, a block of large values and values beyond f16's range in some slots. */
    private static float[] sample(SplittableRandom r, int hd, int slot) {
        float[] x = new float[hd];
        for (int d = 0; d < hd; d++) {
            x[d] = (float) r.nextGaussian();
        }
        if (slot % 5 == 0 && hd >= 32) {
            java.util.Arrays.fill(x, 0, 32, 0f);
        }
        if (slot % 7 == 1) {
            x[hd - 1] = 9e4f;
            x[0] = -3e5f;
        }
        return x;
    }

    private static int[] permutation(SplittableRandom r) {
        int[] p = new int[P];
        for (int i = 0; i < P; i++) {
            p[i] = i;
        }
        for (int i = P - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Decoded values are within the format's rounding of the input. */
    private static void assertClose(KvTileFormat f, float[] x, int d, float got, int hd) {
        float want = f == KvTileFormat.F16 ? Math.max(-65504f, Math.min(65504f, x[d])) : x[d];
        double amax = 0;
        if (f.isBlockFormat()) {
            int b0 = d / 32 * 32;
            for (int i = b0; i < b0 + 32; i++) {
                amax = Math.max(amax, Math.abs(x[i]));
            }
        }
        double tol = switch (f) {
            case F32 -> 0;
            case F16 -> Math.abs(want) * 0x1p-11 + 1e-7;
            case Q8_0 -> amax / 127 * 0.51 + amax * 1e-3;
            case Q4_0 -> amax / 8 * 1.01 + amax * 1e-3;
        };
        assertTrue(Math.abs(got - want) <= tol, f + " d" + d + ": " + got + " vs " + x[d] + " (hd " + hd + ")");
    }

    // ---- the scalar twin: the layout table of KvTileFormat and llama.cpp's quantize_row_q8_0_ref / q4_0_ref

    private static short f16(float x) {
        if (Float.isNaN(x)) {
            return 0;
        }
        return Float.floatToFloat16(Math.max(-65504f, Math.min(65504f, x)));
    }

    private static int roundf(float v) { // C's roundf: halfway away from zero
        return (int) Math.copySign(Math.floor(Math.abs((double) v) + 0.5), v);
    }

    /** {scale, quants...} of one 32-value block as llama.cpp's reference quantisers produce them. */
    private static float[] quantiseBlock(KvTileFormat f, float[] x, int o, int[] q) {
        if (f == KvTileFormat.Q8_0) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[o + i]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            for (int i = 0; i < 32; i++) {
                q[i] = roundf(x[o + i] * id);
            }
            return new float[] {d};
        }
        float amax = 0;
        float max = 0;
        for (int i = 0; i < 32; i++) {
            if (amax < Math.abs(x[o + i])) {
                amax = Math.abs(x[o + i]);
                max = x[o + i];
            }
        }
        float d = max / -8;
        float id = d != 0 ? 1 / d : 0;
        for (int i = 0; i < 32; i++) {
            q[i] = Math.min(15, (int) (x[o + i] * id + 8.5f));
        }
        return new float[] {d};
    }

    /** f16 keys: runs of 32 positions, each run holding every component ({@code [j/32][d][j%32]}). */
    private static long f16Key(long off, int hd, int j, int d) {
        return off + 2L * ((j / 32) * 32L * hd + d * 32L + j % 32);
    }

    /** f16 values: runs of 32 components, each run holding every position ({@code [d/32][j][d%32]}). */
    private static long f16Value(long off, int j, int d) {
        return off + 2L * ((d / 32) * 32L * P + j * 32L + d % 32);
    }

    private static void putKeyTwin(KvTileFormat f, MemorySegment t, long off, int hd, int j, float[] x) {
        switch (f) {
            case F32 -> {
                for (int d = 0; d < hd; d++) {
                    t.set(LE_FLOAT, off + 4L * (d * P + j), x[d]);
                }
            }
            case F16 -> {
                for (int d = 0; d < hd; d++) {
                    t.set(LE_SHORT, f16Key(off, hd, j, d), f16(x[d]));
                }
            }
            case Q8_0, Q4_0 -> {
                boolean q8 = f == KvTileFormat.Q8_0;
                long scales = off + (q8 ? (long) hd * P : (long) hd * P / 2);
                int[] q = new int[32];
                for (int b = 0; b < hd / 32; b++) {
                    float d = quantiseBlock(f, x, b * 32, q)[0];
                    t.set(LE_SHORT, scales + 2L * (b * P + j), Float.floatToFloat16(d));
                    for (int i = 0; i < 32; i++) {
                        int row = b * 32 + i;
                        if (q8) {
                            t.set(ValueLayout.JAVA_BYTE, off + (long) row * P + j, (byte) q[i]);
                        } else {
                            long at = off + row * 32L + j % 32;
                            int old = t.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
                            int nib = j < 32 ? (old & 0xF0) | q[i] : (old & 0x0F) | (q[i] << 4);
                            t.set(ValueLayout.JAVA_BYTE, at, (byte) nib);
                        }
                    }
                }
            }
        }
    }

    private static void putValueTwin(KvTileFormat f, MemorySegment t, long off, int hd, int j, float[] x) {
        switch (f) {
            case F32 -> {
                for (int d = 0; d < hd; d++) {
                    t.set(LE_FLOAT, off + 4L * (j * hd + d), x[d]);
                }
            }
            case F16 -> {
                for (int d = 0; d < hd; d++) {
                    t.set(LE_SHORT, f16Value(off, j, d), f16(x[d]));
                }
            }
            case Q8_0, Q4_0 -> {
                boolean q8 = f == KvTileFormat.Q8_0;
                int nb = hd / 32;
                long scales = off + (q8 ? (long) hd * P : (long) hd * P / 2);
                int[] q = new int[32];
                for (int b = 0; b < nb; b++) {
                    float d = quantiseBlock(f, x, b * 32, q)[0];
                    t.set(LE_SHORT, scales + 2L * (j * nb + b), Float.floatToFloat16(d));
                    for (int i = 0; i < (q8 ? 32 : 16); i++) {
                        if (q8) {
                            t.set(ValueLayout.JAVA_BYTE, off + (long) j * hd + b * 32 + i, (byte) q[i]);
                        } else {
                            t.set(ValueLayout.JAVA_BYTE, off + 16L * (j * nb + b) + i, (byte) (q[i] | q[i + 16] << 4));
                        }
                    }
                }
            }
        }
    }

    private static float keyTwin(KvTileFormat f, MemorySegment t, long off, int hd, int j, int d) {
        return switch (f) {
            case F32 -> t.get(LE_FLOAT, off + 4L * (d * P + j));
            case F16 -> Float.float16ToFloat(t.get(LE_SHORT, f16Key(off, hd, j, d)));
            case Q8_0 -> t.get(ValueLayout.JAVA_BYTE, off + (long) d * P + j)
                    * Float.float16ToFloat(t.get(LE_SHORT, off + (long) hd * P + 2L * (d / 32 * P + j)));
            case Q4_0 -> {
                int b = t.get(ValueLayout.JAVA_BYTE, off + d * 32L + j % 32) & 0xFF;
                int q = (j < 32 ? b & 15 : b >> 4) - 8;
                yield q * Float.float16ToFloat(t.get(LE_SHORT, off + (long) hd * P / 2 + 2L * (d / 32 * P + j)));
            }
        };
    }

    private static float valueTwin(KvTileFormat f, MemorySegment t, long off, int hd, int j, int d) {
        int nb = hd / 32;
        return switch (f) {
            case F32 -> t.get(LE_FLOAT, off + 4L * (j * hd + d));
            case F16 -> Float.float16ToFloat(t.get(LE_SHORT, f16Value(off, j, d)));
            case Q8_0 -> t.get(ValueLayout.JAVA_BYTE, off + (long) j * hd + d)
                    * Float.float16ToFloat(t.get(LE_SHORT, off + (long) hd * P + 2L * (j * nb + d / 32)));
            case Q4_0 -> {
                int i = d % 32;
                int b = t.get(ValueLayout.JAVA_BYTE, off + 16L * (j * nb + d / 32) + i % 16) & 0xFF;
                int q = (i < 16 ? b & 15 : b >> 4) - 8;
                yield q * Float.float16ToFloat(t.get(LE_SHORT, off + (long) hd * P / 2 + 2L * (j * nb + d / 32)));
            }
        };
    }

    @org.junit.jupiter.api.Test
    void decodedTilesAttendLikeTheScalarReference() {
        // a q8_0 cache of 150 positions behind GqaAttention's KvSource: the kernel's output equals the scalar
        // attention over the decoded keys and values
        int hd = 64;
        int len = 150;
        KvTileFormat f = KvTileFormat.Q8_0;
        Rand r = new Rand(5);
        float[] keys = r.normal(len * hd, 1);
        float[] values = r.normal(len * hd, 1);
        try (Arena arena = Arena.ofConfined()) {
            int tiles = (len + P - 1) / P;
            long kb = f.keyBytes(hd);
            long tileBytes = kb + f.valueBytes(hd) + 64;
            MemorySegment mem = arena.allocate(tiles * tileBytes, 64);
            for (int p = 0; p < len; p++) {
                MemorySegment t = mem.asSlice(p / P * tileBytes, tileBytes);
                f.putKey(t, 0, hd, p % P, keys, p * hd);
                f.putValue(t, kb, hd, p % P, values, p * hd);
            }
            float[] dk = new float[len * hd];
            float[] dv = new float[len * hd];
            for (int p = 0; p < len; p++) {
                MemorySegment t = mem.asSlice(p / P * tileBytes, tileBytes);
                for (int d = 0; d < hd; d++) {
                    dk[p * hd + d] = f.key(t, 0, hd, p % P, d);
                    dv[p * hd + d] = f.value(t, kb, hd, p % P, d);
                }
            }
            GqaAttention.KvSource src = new GqaAttention.KvSource() {
                @Override
                public void keysTransposed(int head, int p0, int n, float[] dst) {
                    f.decodeKeys(mem.asSlice(p0 / P * tileBytes, tileBytes), 0, hd, dst);
                }

                @Override
                public void values(int head, int p0, int n, float[] dst) {
                    f.decodeValues(mem.asSlice(p0 / P * tileBytes, tileBytes), kb, hd, p0 % P, n, dst);
                }
            };
            int rows = 3;
            float[] q = r.normal(rows * hd, 1);
            int[] limit = {len - 2, len - 1, len};
            GqaAttention.State st = new GqaAttention.State(rows, hd);
            GqaAttention.accumulate(src, 0, q, 0, hd, limit, 0, len, st);
            float[] out = new float[rows * hd];
            GqaAttention.finish(st, out, 0, hd);
            for (int i = 0; i < rows; i++) {
                float[] qi = java.util.Arrays.copyOfRange(q, i * hd, (i + 1) * hd);
                float[] want = ScalarReference.attend(qi, dk, dv, limit[i], hd, 1.0);
                float[] got = java.util.Arrays.copyOfRange(out, i * hd, (i + 1) * hd);
                DeltaRuleTest.assertClose("row " + i, got, want, 2e-5);
            }
        }
    }
}
