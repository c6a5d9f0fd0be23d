package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.kernels.GqaAttention;
import dev.nextinfer.kernels.KvTileFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The paged cache: whatever the append pattern, page crossings, truncation or copy, every position reads back what
 * was appended (through the format's rounding), row-major and transposed, aligned or not; copies share pages
 * copy-on-write and evolve independently; closing and truncating return pages to the pool.
 */
class KvCacheTest {
    private static final int HEADS = 2;

    private static int hd(KvCacheFormat f) {
        return f.tile().isBlockFormat() ? 64 : 20;
    }

    @ParameterizedTest
    @EnumSource(KvCacheFormat.class)
    void readsBackWhatWasAppended(KvCacheFormat format) {
        int hd = hd(format);
        SplittableRandom r = new SplittableRandom(7);
        int total = 300;
        float[][] k = new float[total][];
        float[][] v = new float[total][];
        try (KvCache c = new KvCache(HEADS, hd, 400, format)) {
            append(c, r, k, v, 0, new int[] {1, 63, 2, 64, 100, 70}); // crosses page boundaries
            assertEquals(total, c.length());
            assertEquals(5, c.pageCount());
            check(c, k, v, total, format);
            try (KvCache copy = c.copy()) {
                check(copy, k, v, total, format);
            }
            c.truncate(130);
            assertEquals(3, c.pageCount(), "pages past the one holding position 130 are returned");
            check(c, k, v, 130, format);
            assertThrows(IllegalArgumentException.class, () -> c.truncate(131));
            append(c, r, k, v, 130, new int[] {70}); // overwrites positions 130..199 in kept and new pages
            check(c, k, v, 200, format);
        }
    }

    @ParameterizedTest
    @EnumSource(value = KvCacheFormat.class, names = {"F16", "Q4_0"})
    void copiesShareUntilWritten(KvCacheFormat format) {
        int hd = hd(format);
        SplittableRandom r = new SplittableRandom(11);
        float[][] k = new float[400][];
        float[][] v = new float[400][];
        long page = KvCache.pageBytes(HEADS, hd, format);
        KvPagePool pool = KvPagePool.forPageBytes(page);
        long before = pool.usedBytes();
        KvCache a = new KvCache(HEADS, hd, 400, format);
        append(a, r, k, v, 0, new int[] {100});
        KvCache b = a.copy();
        assertEquals(2 * page, pool.usedBytes() - before, "a copy shares its pages");

        float[][] kb = k.clone();
        float[][] vb = v.clone();
        append(b, r, kb, vb, 100, new int[] {50});  // b writes into the shared second page: copied first
        append(a, r, k, v, 100, new int[] {20});    // a's own page now
        assertEquals(4 * page, pool.usedBytes() - before);
        check(a, k, v, 120, format);
        check(b, kb, vb, 150, format);

        float[][] kc = kb.clone();
        float[][] vc = vb.clone();
        KvCache c = b.copy();
        c.truncate(10);
        append(c, r, kc, vc, 10, new int[] {5});     // first page shared with a and b: copied, the others unchanged
        check(a, k, v, 120, format);
        check(b, kb, vb, 150, format);
        check(c, kc, vc, 15, format);
        a.close();
        b.close();
        c.close();
        a.close(); // idempotent
        assertEquals(before, pool.usedBytes(), "closing returns every page");
    }

    @Test
    void fullCacheAndBadHeadDimAreRefused() {
        try (KvCache c = new KvCache(1, 32, 3, KvCacheFormat.Q8_0)) {
            assertThrows(IllegalStateException.class, () -> c.append(new float[4 * 32], new float[4 * 32], 4));
        }
        assertThrows(IllegalArgumentException.class, () -> new KvCache(1, 24, 10, KvCacheFormat.Q8_0));
        assertEquals(128L * 1024 * 2, KvCache.bytesFor(65, 2, 256, KvCacheFormat.F16), "two pages of 64 positions");
    }

    @Test
    void poolReturnsEmptySlabsToTheSystem() {
        KvCache c = new KvCache(8, 256, 1 << 20, KvCacheFormat.F32); // 1 MiB pages: 4 per slab
        KvPagePool pool = KvPagePool.forPageBytes(KvCache.pageBytes(8, 256, KvCacheFormat.F32));
        long committed = pool.slabBytes();
        float[] kv = new float[64 * 8 * 256];
        for (int i = 0; i < 10; i++) {
            c.append(kv, kv, 64);
        }
        assertTrue(pool.slabBytes() - committed >= 10L << 20);
        c.close();
        assertTrue(pool.slabBytes() - committed <= 0, "slabs of a closed cache are freed");
    }

    private static void append(KvCache c, SplittableRandom r, float[][] k, float[][] v, int pos, int[] chunks) {
        int w = c.width();
        for (int n : chunks) {
            float[] kk = new float[n * w];
            float[] vv = new float[n * w];
            for (int t = 0; t < n; t++) {
                k[pos + t] = new float[w];
                v[pos + t] = new float[w];
                for (int i = 0; i < w; i++) {
                    k[pos + t][i] = (float) r.nextGaussian();
                    v[pos + t][i] = (float) r.nextGaussian();
                }
                System.arraycopy(k[pos + t], 0, kk, t * w, w);
                System.arraycopy(v[pos + t], 0, vv, t * w, w);
            }
            c.append(kk, vv, n);
            pos += n;
        }
    }

    private static void check(KvCache c, float[][] k, float[][] v, int length, KvCacheFormat format) {
        int block = GqaAttention.BLOCK;
        int hd = c.headDim();
        for (int h = 0; h < HEADS; h++) {
            float[] rows = new float[length * hd];
            float[] vals = new float[length * hd];
            c.keys(h, 0, length, rows);
            c.values(h, 0, length, vals);
            float[] v5 = new float[70 * hd];
            int n5 = Math.min(70, length - 5);
            c.values(h, 5, n5, v5); // unaligned, across a page boundary
            for (int p = 0; p < length; p++) {
                float[] sk = stored(k[p], h, hd, format, true);
                float[] sv = stored(v[p], h, hd, format, false);
                for (int d = 0; d < hd; d++) {
                    assertEquals(sk[d], rows[p * hd + d], "key p" + p + " d" + d);
                    assertEquals(sv[d], vals[p * hd + d], "value p" + p + " d" + d);
                    if (p >= 5 && p < 5 + n5) {
                        assertEquals(sv[d], v5[(p - 5) * hd + d]);
                    }
                }
            }
            for (int p0 : new int[] {0, 64, 128, 5, 100}) {
                if (p0 >= length) {
                    continue;
                }
                int n = Math.min(block, length - p0);
                float[] t = new float[block * hd];
                c.keysTransposed(h, p0, n, t);
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < hd; d++) {
                        assertEquals(rows[(p0 + i) * hd + d], t[d * block + i], "transposed p" + (p0 + i) + " d" + d);
                    }
                }
            }
        }
    }

    /** Head h of one position as the format stores it (written to a scratch tile and read back). */
    private static float[] stored(float[] x, int h, int hd, KvCacheFormat format, boolean key) {
        KvTileFormat f = format.tile();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment t = arena.allocate(Math.max(f.keyBytes(hd), f.valueBytes(hd)) + 64, 64);
            float[] out = new float[hd];
            if (key) {
                f.putKey(t, 0, hd, 3, x, h * hd);
            } else {
                f.putValue(t, 0, hd, 3, x, h * hd);
            }
            for (int d = 0; d < hd; d++) {
                out[d] = key ? f.key(t, 0, hd, 3, d) : f.value(t, 0, hd, 3, d);
            }
            return out;
        }
    }
}
