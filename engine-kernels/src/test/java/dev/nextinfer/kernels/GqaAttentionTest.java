package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Grouped attention with online softmax against the scalar twin: several query rows with their own causal limits,
 * one pass or split into ranges and merged, over f32 and f16 storage.
 */
class GqaAttentionTest {

    /** One kv head's cache as plain arrays, optionally through f16. */
    private record Source(float[] keys, float[] values, int hd, boolean f16) implements GqaAttention.KvSource {
        @Override
        public void keysTransposed(int head, int p0, int n, float[] dst) {
            float[] rows = new float[n * hd];
            copy(keys, p0, n, rows);
            java.util.Arrays.fill(dst, Float.NaN); // entries past n must not matter
            for (int i = 0; i < n; i++) {
                for (int d = 0; d < hd; d++) {
                    dst[d * GqaAttention.BLOCK + i] = rows[i * hd + d];
                }
            }
        }

        /** Row-major keys (for the reference). */
        void keysRows(int p0, int n, float[] dst) {
            copy(keys, p0, n, dst);
        }

        @Override
        public void values(int head, int p0, int n, float[] dst) {
            copy(values, p0, n, dst);
        }

        private void copy(float[] src, int p0, int n, float[] dst) {
            if (!f16) {
                System.arraycopy(src, p0 * hd, dst, 0, n * hd);
                return;
            }
            short[] h = new short[n * hd];
            Fp16.encode(src, p0 * hd, h, 0, n * hd);
            Fp16.decode(h, 0, dst, 0, n * hd);
        }
    }

    /**
     * All {@code len} positions of kv head 0 for {@code rows} query rows: one pass ({@code split} 0) or ranges of
     * {@code split} positions merged in order.
     */
    static GqaAttention.State accumulate(GqaAttention.KvSource src, float[] q, int rows, int hd, int[] limit, int len,
                                         int split) {
        GqaAttention.State st = new GqaAttention.State(rows, hd);
        if (split == 0) {
            GqaAttention.accumulate(src, 0, q, 0, hd, limit, 0, len, st);
            return st;
        }
        for (int p0 = 0; p0 < len; p0 += split) {
            GqaAttention.State part = new GqaAttention.State(rows, hd);
            GqaAttention.accumulate(src, 0, q, 0, hd, limit, p0, Math.min(len, p0 + split), part);
            GqaAttention.merge(st, part);
        }
        return st;
    }

    @ParameterizedTest(name = "len={0} hd={1} rows={2} split={3} f16={4}")
    @CsvSource({
            "1, 24, 1, 0, false", "7, 24, 5, 0, false", "65, 32, 8, 0, false", "200, 17, 3, 64, false",
            "300, 256, 8, 100, false", "1500, 64, 8, 1024, false", "130, 33, 4, 0, true", "1100, 256, 8, 1024, true", "150, 80, 6, 64, true", "129, 144, 7, 0, false"})
    void matchesScalarTwin(int len, int hd, int rows, int split, boolean f16) {
        Rand r = new Rand(len * 13L + hd + rows);
        float[] keys = r.normal(len * hd, 1);
        float[] values = r.normal(len * hd, 1);
        Source src = new Source(keys, values, hd, f16);
        if (f16) { // the reference sees what the kernel sees
            float[] k = new float[len * hd];
            float[] v = new float[len * hd];
            src.keysRows(0, len, k);
            src.values(0, 0, len, v);
            keys = k;
            values = v;
        }
        float[] q = r.normal(rows * hd, 1);
        int[] limit = new int[rows];
        for (int i = 0; i < rows; i++) {
            limit[i] = Math.max(1, len - (rows - 1 - i) * 3); // staggered causal limits, like consecutive tokens
        }
        GqaAttention.State st = accumulate(src, q, rows, hd, limit, len, split);
        float[] out = new float[rows * (hd + 2)];
        GqaAttention.finish(st, out, 1, hd + 2);
        for (int i = 0; i < rows; i++) {
            float[] qi = java.util.Arrays.copyOfRange(q, i * hd, (i + 1) * hd);
            float[] expected = ScalarReference.attend(qi, keys, values, limit[i], hd, 1.0);
            float[] got = java.util.Arrays.copyOfRange(out, 1 + i * (hd + 2), 1 + i * (hd + 2) + hd);
            assertClose("row " + i, got, expected, 2e-5);
        }
    }
}
