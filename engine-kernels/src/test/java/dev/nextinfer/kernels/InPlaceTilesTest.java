package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The attention kernels that read f16, q8_0 and q4_0 tiles in place ({@link F16Tiles}, {@link Q8Tiles},
 * {@link Q4Tiles}): f16 widening is
 * exact for every finite half, and attention over stored tiles read in place gives the same bits as the same tiles
 * decoded to f32 first (and the scalar twin's answer on the stored values), for every row count up to 8, head widths
 * that fit the kernels and ones that fall back, partial last blocks and ranges that do not start on a block.
 */
class InPlaceTilesTest {
    private static final int P = GqaAttention.BLOCK;

    @Test
    void widenIsExactForEveryFiniteHalf() {
        int lanes = Simd.FB_LANES;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(2L * 65536 + 64, 64);
            for (int h = 0; h < 65536; h++) {
                all.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 2L * h, (short) h);
            }
            float[] got = new float[lanes];
            for (int h0 = 0; h0 < 65536; h0 += lanes) {
                F16Tiles.widen(all, 2L * h0).intoArray(got, 0);
                for (int i = 0; i < lanes; i++) {
                    int h = h0 + i;
                    if ((h & 0x7c00) == 0x7c00) {
                        continue; // infinities and NaN are never stored
                    }
                    float want = Float.float16ToFloat((short) h);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), "half 0x" + Integer.toHexString(h));
                }
            }
        }
    }

    /** One kv head's cache in tiles of {@code f}; {@code inPlace} decides whether the tiles are offered to the kernels. */
    private static final class Tiles implements GqaAttention.KvSource {
        final KvTileFormat f;
        final MemorySegment[] pages;
        final int hd;
        final boolean inPlace;
        final long keyBytes;

        Tiles(Arena arena, KvTileFormat f, float[] keys, float[] values, int len, int hd, boolean inPlace) {
            this.f = f;
            this.hd = hd;
            this.inPlace = inPlace;
            this.keyBytes = f.keyBytes(hd);
            pages = new MemorySegment[(len + P - 1) / P];
            float[] junk = new float[hd];
            Arrays.fill(junk, 60000f); // slots past the cache's end: their scores are computed but never used
            for (int i = 0; i < pages.length; i++) {
                pages[i] = arena.allocate(keyBytes + f.valueBytes(hd), 64);
                for (int slot = 0; slot < P; slot++) {
                    f.putKey(pages[i], 0, hd, slot, junk, 0);
                    f.putValue(pages[i], keyBytes, hd, slot, junk, 0);
                }
            }
            for (int j = 0; j < len; j++) {
                f.putKey(pages[j / P], 0, hd, j % P, keys, j * hd);
                f.putValue(pages[j / P], keyBytes, hd, j % P, values, j * hd);
            }
        }

        @Override
        public void keysTransposed(int head, int p0, int n, float[] dst) {
            if (p0 % P == 0) {
                f.decodeKeys(pages[p0 / P], 0, hd, dst);
                return;
            }
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < hd; d++) {
                    dst[d * P + i] = f.key(pages[(p0 + i) / P], 0, hd, (p0 + i) % P, d);
                }
            }
        }

        @Override
        public void values(int head, int p0, int n, float[] dst) {
            for (int done = 0; done < n; ) { // page by page
                int pos = p0 + done;
                int m = Math.min(n - done, P - pos % P);
                float[] part = new float[m * hd];
                f.decodeValues(pages[pos / P], keyBytes, hd, pos % P, m, part);
                System.arraycopy(part, 0, dst, done * hd, m * hd);
                done += m;
            }
        }

        @Override
        public KvTileFormat tileFormat() {
            return inPlace ? f : null;
        }

        @Override
        public MemorySegment storedTile(int p0) {
            return pages[p0 / P];
        }

        @Override
        public long keyOffset(int head) {
            return 0;
        }

        @Override
        public long valueOffset(int head) {
            return keyBytes;
        }
    }

    @ParameterizedTest(name = "{0} len={1} hd={2} rows={3} split={4}")
    @CsvSource({"F16, 1, 16, 1, 0", "F16, 37, 48, 3, 0", "F16, 64, 256, 8, 0", "F16, 200, 256, 8, 0", "F16, 130, 32, 5, 64",
            "F16, 300, 256, 8, 100", "F16, 190, 64, 7, 96", "F16, 70, 24, 8, 0", "F16, 129, 80, 2, 0", "F16, 100, 144, 6, 0",
            "F16, 77, 256, 9, 0", "Q8_0, 1, 32, 1, 0", "Q8_0, 37, 96, 3, 0", "Q8_0, 200, 256, 8, 0", "Q8_0, 130, 64, 5, 64",
            "Q8_0, 300, 256, 8, 100", "Q8_0, 190, 32, 7, 96", "Q8_0, 77, 256, 9, 0", "Q4_0, 1, 32, 1, 0", "Q4_0, 37, 96, 3, 0",
            "Q4_0, 200, 256, 8, 0", "Q4_0, 130, 64, 5, 64", "Q4_0, 300, 256, 8, 100", "Q4_0, 190, 32, 7, 96", "Q4_0, 77, 256, 9, 0"})
    void inPlaceGivesTheBitsOfDecodedTiles(KvTileFormat f, int len, int hd, int rows, int split) {
        Rand r = new Rand(len * 31L + hd * 7L + rows);
        float[] keys = r.normal(len * hd, 1);
        float[] values = r.normal(len * hd, 1);
        float[] q = r.normal(rows * hd, 0.3);
        int[] limit = new int[rows];
        for (int i = 0; i < rows; i++) {
            limit[i] = Math.max(1, len - (rows - 1 - i) * 5);
        }
        try (Arena arena = Arena.ofConfined()) {
            Tiles stored = new Tiles(arena, f, keys, values, len, hd, true);
            float[] inPlace = attend(stored, q, rows, hd, limit, len, split);
            float[] decoded = attend(new Tiles(arena, f, keys, values, len, hd, false), q, rows, hd, limit, len, split);
            for (int i = 0; i < inPlace.length; i++) {
                assertEquals(Float.floatToRawIntBits(decoded[i]), Float.floatToRawIntBits(inPlace[i]), "element " + i);
            }
            float[] k = new float[len * hd];
            float[] v = new float[len * hd];
            for (int j = 0; j < len; j++) { // what the tiles hold, read back one value at a time
                for (int d = 0; d < hd; d++) {
                    k[j * hd + d] = f.key(stored.pages[j / P], 0, hd, j % P, d);
                    v[j * hd + d] = f.value(stored.pages[j / P], stored.keyBytes, hd, j % P, d);
                }
            }
            for (int i = 0; i < rows; i++) {
                float[] qi = Arrays.copyOfRange(q, i * hd, (i + 1) * hd);
                float[] expected = ScalarReference.attend(qi, k, v, limit[i], hd, 1.0);
                assertClose("row " + i, Arrays.copyOfRange(inPlace, i * hd, (i + 1) * hd), expected, 2e-5);
            }
        }
    }

    /**
     * The f16 kernels leave widening's 2^112 to the queries and weights: subnormal halves (keys and values scaled
     * down) and queries just below the 2^16 the product allows keep the decoded tiles' bits, and larger queries
     * (which take the decoded path instead) give finite results with those bits too.
     */
    @ParameterizedTest(name = "query scale {0}, cache scale {1}")
    @CsvSource({"0.3, 1e-6", "60000, 1e-6", "60000, 1e-9", "70000, 1e-6", "1e6, 1e-7", "0.3, 1"})
    void extremeOperandsKeepTheBitsOfDecodedF16Tiles(double qScale, double cacheScale) {
        int len = 200;
        int hd = 256;
        int rows = 8;
        Rand r = new Rand(Double.doubleToLongBits(qScale) ^ Double.doubleToLongBits(cacheScale));
        float[] keys = r.normal(len * hd, cacheScale);
        float[] values = r.normal(len * hd, cacheScale);
        float[] q = r.normal(rows * hd, qScale);
        if (qScale < 65536) { // keep every query on the scaled path, one at its edge
            for (int i = 0; i < q.length; i++) {
                q[i] = Math.max(-65535.9f, Math.min(65535.9f, q[i]));
            }
            q[5] = 65535.9f;
        }
        int[] limit = new int[rows];
        Arrays.fill(limit, len);
        try (Arena arena = Arena.ofConfined()) {
            float[] inPlace = attend(new Tiles(arena, KvTileFormat.F16, keys, values, len, hd, true), q, rows, hd, limit, len, 0);
            float[] decoded = attend(new Tiles(arena, KvTileFormat.F16, keys, values, len, hd, false), q, rows, hd, limit, len, 0);
            for (int i = 0; i < inPlace.length; i++) {
                assertTrue(Float.isFinite(inPlace[i]), "element " + i + " is " + inPlace[i]);
                assertEquals(Float.floatToRawIntBits(decoded[i]), Float.floatToRawIntBits(inPlace[i]), "element " + i);
            }
        }
    }

    private static float[] attend(GqaAttention.KvSource src, float[] q, int rows, int hd, int[] limit, int len, int split) {
        GqaAttention.State st = GqaAttentionTest.accumulate(src, q, rows, hd, limit, len, split);
        float[] out = new float[rows * hd];
        GqaAttention.finish(st, out, 0, hd);
        return out;
    }
}
