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
 * The integer Q8_0 kernel against its scalar twin (bit for bit), its values against {@link Q8_0Matrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q8_0R32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static Q8_0Matrix matrix(Random rnd, int rows, int cols) {
        return (Q8_0Matrix) TestMatrices.random(MatrixFormat.Q8_0, rnd, rows, cols, 0).matrix();
    }

    /** The twin, from ggml's bytes: per block of 32 {@code isum = Σ q·x_q} in integers, then {@code y = fma(isum, d·dx, y)}. */
    private static float twin(Matrix w, int row, float[] x, int xOff) {
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = ((Q8_0Matrix) w).segment();
        float y = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long o = row * (cols / 32 * 34L) + 34L * b;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o));
            int isum = 0;
            for (int c = 0; c < 32; c++) {
                isum += m.get(ValueLayout.JAVA_BYTE, o + 2 + c) * q[32 * b + c];
            }
            y = Math.fma((float) isum, dd * d[b], y);
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        Random rnd = new Random(53);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{1, 32}, {5, 96}, {37, 256}, {64, 2048}}) {
                int rows = shape[0];
                int cols = shape[1];
                Q8_0Matrix w = matrix(rnd, rows, cols);
                Q8_0R32Matrix r = Q8_0R32Matrix.repack(w, arena, null);
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
        Random rnd = new Random(59);
        int rows = 70;
        int cols = 512;
        try (Arena arena = Arena.ofConfined()) {
            Q8_0Matrix w = matrix(rnd, rows, cols);
            Q8_0R32Matrix r = Q8_0R32Matrix.repack(w, arena, null);
            assertEquals(MatrixFormat.Q8_0, r.format());
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
            assertFalse(Q8_0R32Matrix.canRepack(q4));
            assertThrows(IllegalArgumentException.class, () -> Q8_0R32Matrix.repack(q4, arena, null));
        }
    }
}
