package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer Q6_K kernel against its scalar twin (bit for bit), its values against {@link Q6_KMatrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q6_KR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Q6_KMatrix matrix(Random rnd, int rows, int cols) {
        return (Q6_KMatrix) TestMatrices.random(MatrixFormat.Q6_K, rnd, rows, cols, 0).matrix();
    }

    /**
     * The twin, from ggml's bytes: per sub-block of 16 {@code isum = sc·Σ (q − 32)·x_q} in integers, then
     * {@code y = fma(isum, d·dx, y)} in order.
     */
    private static float twin(Q6_KMatrix w, int row, float[] x, int xOff) {
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = row * w.rowBytes + 210L * sb;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o + 208));
            for (int j = 0; j < 16; j++) {
                int sc = m.get(ValueLayout.JAVA_BYTE, o + 192 + j);
                int isum = 0;
                for (int i = 0; i < 16; i++) {
                    int l = 16 * j + i;
                    int h = l / 128;
                    int t = (l % 128) / 32;
                    int ql = m.get(ValueLayout.JAVA_BYTE, o + 64 * h + 32 * (t % 2) + l % 32) & 0xFF;
                    int qh = m.get(ValueLayout.JAVA_BYTE, o + 128 + 32 * h + l % 32) & 0xFF;
                    int v = (t < 2 ? ql % 16 : ql / 16) + 16 * ((qh >> 2 * t) % 4) - 32;
                    isum += v * q[256 * sb + l];
                }
                y = Math.fma((float) (sc * isum), dd * d[(256 * sb + 16 * j) / 32], y);
            }
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        Random rnd = new Random(23);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}) {
                int rows = shape[0];
                int cols = shape[1];
                Q6_KMatrix w = matrix(rnd, rows, cols);
                Q6_KR32Matrix r = Q6_KR32Matrix.repack(w, arena, null);
                float[] x = TestMatrices.randomVector(rnd, cols + 5);
                float[] y = new float[rows + 1];
                r.matVec(x, 5, y, 1, 0, rows);
                for (int row = 0; row < rows; row++) {
                    float expect = twin(w, row, x, 5);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(y[1 + row]),
                            rows + "×" + cols + " row " + row + ": " + expect + " vs " + y[1 + row]);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(r.dot(row, x, 5)), "dot, row " + row);
                }
            }
        }
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        Random rnd = new Random(29);
        int rows = 70;
        int cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            Q6_KMatrix w = matrix(rnd, rows, cols);
            Q6_KR32Matrix r = Q6_KR32Matrix.repack(w, arena, null);
            assertEquals(MatrixFormat.Q6_K, r.format());
            int n = 4;
            float[] x = TestMatrices.randomVector(rnd, n * cols);
            float[] whole = new float[n * rows];
            for (int t = 0; t < n; t++) {
                r.matVec(x, t * cols, whole, t * rows, 0, rows);
            }
            float[] few = new float[n * rows];
            r.matVecRows(x, 0, cols, n, few, 0, rows, 3, 67);
            for (int t = 0; t < n; t++) {
                for (int i = 3; i < 67; i++) {
                    assertEquals(Float.floatToRawIntBits(whole[t * rows + i]), Float.floatToRawIntBits(few[t * rows + i]), "row " + i);
                }
            }
            float[] a = new float[cols];
            float[] b = new float[cols];
            double err = 0;
            double norm = 0;
            for (int row = 0; row < rows; row++) {
                w.row(row, a, 0);
                r.row(row, b, 0);
                assertEquals(Arrays.toString(a), Arrays.toString(b), "row " + row);
                double exact = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) a[c] * x[c];
                }
                err += (whole[row] - exact) * (whole[row] - exact);
                norm += exact * exact;
            }
            assertTrue(Math.sqrt(err / norm) < 2e-2, "relative error " + Math.sqrt(err / norm));
            Matrix q4 = Q4_0Matrix.of(TestMatrices.randomVector(rnd, 4 * 256), 4, 256);
            assertFalse(Q6_KR32Matrix.canRepack(q4));
            assertThrows(IllegalArgumentException.class, () -> Q6_KR32Matrix.repack(q4, arena, null));
        }
    }
}
