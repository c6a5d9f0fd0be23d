package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nextinfer.kernels.Fp16;
import dev.nextinfer.kernels.GqaAttention;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The cache's tiled key layout: whatever the append pattern, growth, truncation or copy, every position reads back
 * what was appended (through f16 rounding for the f16 format), row-major and transposed, aligned or not.
 */
class KvCacheTest {
    private static final int HEADS = 2;
    private static final int HD = 20;

    @ParameterizedTest
    @EnumSource(KvCacheFormat.class)
    void readsBackWhatWasAppended(KvCacheFormat format) {
        SplittableRandom r = new SplittableRandom(7);
        int total = 300;
        float[][] k = new float[total][HEADS * HD];
        float[][] v = new float[total][HEADS * HD];
        KvCache c = new KvCache(HEADS, HD, 400, format);
        int pos = 0;
        for (int n : new int[] {1, 63, 2, 64, 100, 70}) { // crosses tile boundaries and grows several times
            float[] kk = new float[n * HEADS * HD];
            float[] vv = new float[n * HEADS * HD];
            for (int t = 0; t < n; t++) {
                for (int i = 0; i < HEADS * HD; i++) {
                    k[pos + t][i] = (float) r.nextGaussian();
                    v[pos + t][i] = (float) r.nextGaussian();
                    kk[t * HEADS * HD + i] = k[pos + t][i];
                    vv[t * HEADS * HD + i] = v[pos + t][i];
                }
            }
            c.append(kk, vv, n);
            pos += n;
        }
        assertEquals(total, c.length());
        check(c, k, v, total, format);
        check(c.copy(), k, v, total, format);
        c.truncate(130);
        check(c, k, v, 130, format);
        assertThrows(IllegalArgumentException.class, () -> c.truncate(131));
    }

    private static void check(KvCache c, float[][] k, float[][] v, int length, KvCacheFormat format) {
        int block = GqaAttention.BLOCK;
        for (int h = 0; h < HEADS; h++) {
            float[] rows = new float[length * HD];
            float[] vals = new float[length * HD];
            c.keys(h, 0, length, rows);
            c.values(h, 0, length, vals);
            for (int p = 0; p < length; p++) {
                for (int d = 0; d < HD; d++) {
                    assertEquals(stored(k[p][h * HD + d], format), rows[p * HD + d], "key p" + p + " d" + d);
                    assertEquals(stored(v[p][h * HD + d], format), vals[p * HD + d], "value p" + p + " d" + d);
                }
            }
            for (int p0 : new int[] {0, 64, 128, 5, 100}) {
                int n = Math.min(block, length - p0);
                float[] t = new float[block * HD];
                c.keysTransposed(h, p0, n, t);
                for (int i = 0; i < n; i++) {
                    for (int d = 0; d < HD; d++) {
                        assertEquals(rows[(p0 + i) * HD + d], t[d * block + i], "transposed p" + (p0 + i) + " d" + d);
                    }
                }
            }
        }
    }

    private static float stored(float x, KvCacheFormat format) {
        return format == KvCacheFormat.F32 ? x : Fp16.decode(Fp16.encode(x));
    }
}
