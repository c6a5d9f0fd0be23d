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
 * The integer Q4_K kernel against its scalar twin (bit for bit), its values against {@link Q4_KMatrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q4_KR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Q4_KMatrix matrix(Random rnd, int rows, int cols) {
        return (Q4_KMatrix) TestMatrices.random(MatrixFormat.Q4_K, rnd, rows, cols, 0).matrix();
    }

    /**
     * The twin, from ggml's bytes: per sub-block {@code isum = Σ q·x_q} in integers, then
     * {@code y = fma(isum, (d·sc)·dx, y)} and {@code y = fma(dmin·m, −(dx·Σ x_q), y)} in order.
     */
    private static float twin(Q4_KMatrix w, int row, float[] x, int xOff) {
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = row * w.rowBytes + 144L * sb;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o));
            float dmin = Float.float16ToFloat(m.get(LE_SHORT, o + 2));
            for (int j = 0; j < 8; j++) {
                int sc = ScalarKQuants.scaleMinK4(m, o + 4, j, 0);
                int mn = ScalarKQuants.scaleMinK4(m, o + 4, j, 1);
                int isum = 0;
                for (int l = 0; l < 32; l++) {
                    int v = m.get(ValueLayout.JAVA_BYTE, o + 16 + 32 * (j / 2) + l) & 0xFF;
                    isum += ((j & 1) == 0 ? v & 15 : v >>> 4) * q[256 * sb + 32 * j + l];
                }
                int b = 8 * sb + j;
                y = Math.fma((float) isum, (dd * sc) * d[b], y);
                y = Math.fma(dmin * mn, -(d[b] * sum[b]), y);
            }
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        Random rnd = new Random(13);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}) {
                int rows = shape[0];
                int cols = shape[1];
                Q4_KMatrix w = matrix(rnd, rows, cols);
                Q4_KR32Matrix r = Q4_KR32Matrix.repack(w, arena, null);
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
        Random rnd = new Random(17);
        int rows = 70;
        int cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            Q4_KMatrix w = matrix(rnd, rows, cols);
            Q4_KR32Matrix r = Q4_KR32Matrix.repack(w, arena, null);
            assertEquals(MatrixFormat.Q4_K, r.format());
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
            assertFalse(Q4_KR32Matrix.canRepack(q4));
            assertThrows(IllegalArgumentException.class, () -> Q4_KR32Matrix.repack(q4, arena, null));
        }
    }
}
