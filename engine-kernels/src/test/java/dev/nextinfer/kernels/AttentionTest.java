package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Attention of one query over a strided cache against the scalar twin. */
class AttentionTest {

    @ParameterizedTest(name = "len={0} hd={1}")
    @CsvSource({"1, 24", "7, 24", "65, 32", "300, 256", "3, 17"})
    void matchesScalarTwin(int len, int hd) {
        Rand r = new Rand(len * 7L + hd);
        int kvHeads = 2;
        int width = kvHeads * hd;
        float[] keys = r.normal(len * width, 1);
        float[] values = r.normal(len * width, 1);
        float[] q = r.normal(hd, 1);
        int head = 1;
        float[] k1 = new float[len * hd];
        float[] v1 = new float[len * hd];
        for (int p = 0; p < len; p++) {
            System.arraycopy(keys, p * width + head * hd, k1, p * hd, hd);
            System.arraycopy(values, p * width + head * hd, v1, p * hd, hd);
        }
        double scale = 1 / Math.sqrt(hd);
        float[] expected = ScalarReference.attend(q, k1, v1, len, hd, scale);
        float[] out = new float[hd];
        Attention.attend(q, 0, keys, head * hd, width, values, head * hd, width, len, hd, (float) scale, out, 0, new float[len]);
        assertClose("attention", out, expected, 1e-5);
    }
}
