package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.DeltaRuleTest.assertClose;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The register-tiled small GEMM against a triple loop, on odd shapes, with offsets, strides and accumulation. */
class SmallGemmTest {

    @ParameterizedTest(name = "{0}x{1}x{2} acc={3}")
    @CsvSource({"1, 1, 1, false", "4, 32, 16, false", "5, 33, 7, true", "64, 128, 64, false", "63, 128, 128, true",
            "7, 3, 5, false", "13, 47, 29, true", "64, 20, 12, false", "2, 256, 64, true"})
    void matchesTripleLoop(int m, int n, int k, boolean accumulate) {
        Rand r = new Rand(m * 1000L + n * 10L + k);
        int lda = k + 3;
        int ldb = n + 5;
        int ldc = n + 1;
        float[] a = r.normal(2 + m * lda, 1);
        float[] b = r.normal(1 + k * ldb, 1);
        float[] c = r.normal(4 + m * ldc, 1);
        float[] expected = c.clone();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = accumulate ? c[4 + i * ldc + j] : 0;
                for (int x = 0; x < k; x++) {
                    s += (double) a[2 + i * lda + x] * b[1 + x * ldb + j];
                }
                expected[4 + i * ldc + j] = (float) s;
            }
        }
        SmallGemm.mul(m, n, k, a, 2, lda, b, 1, ldb, c, 4, ldc, accumulate);
        assertClose("C", c, expected, 2e-5 * Math.sqrt(k));
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"1, 1", "3, 7", "64, 128"})
    void transpose(int rows, int cols) {
        float[] src = new Rand(rows + cols).normal(rows * cols, 1);
        float[] dst = new float[rows * cols];
        SmallGemm.transpose(rows, cols, src, 0, cols, dst, 0, rows);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                org.junit.jupiter.api.Assertions.assertEquals(src[i * cols + j], dst[j * rows + i]);
            }
        }
    }
}
