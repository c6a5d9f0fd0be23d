package dev.nextinfer.kernels;

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

    /**
     * The twin, from ggml's bytes: per sub-block {@code isum = Σ q·x_q} in integers, then
     * {@code y = fma(isum, (d·sc)·dx, y)} and {@code y = fma(dmin·m, −(dx·Σ x_q), y)} in order.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q4_KMatrix w = (Q4_KMatrix) source;
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
        R32Checks.matchesTwin(MatrixFormat.Q4_K, new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}, new Random(13), Q4_KR32Matrix.LAYOUT::repack,
                Q4_KR32MatrixTest::twin);
    }

    /**
     * Every form sums a whole sub-block in int16 as {@code Σ (q − 8)·x} (partial sums wrap, the total does not): its
     * extremes, every {@code q} 0 or 15 with every activation at ±127, are {@code −32512} and {@code 28448}, inside
     * int16.
     */
    @Test
    void everyFormHoldsTheExtremeSubBlocks() {
        int rows = 34;
        int cols = 512;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment m = arena.allocate((long) rows * 144 * (cols / 256));
            for (int r = 0; r < rows; r++) {
                for (int sb = 0; sb < cols / 256; sb++) {
                    long o = ((long) r * (cols / 256) + sb) * 144;
                    m.set(LE_SHORT, o, (short) 0x3C00); // d = 1
                    m.set(LE_SHORT, o + 2, (short) 0x3800); // dmin = 0.5
                    for (int i = 0; i < 12; i++) {
                        m.set(ValueLayout.JAVA_BYTE, o + 4 + i, (byte) (i % 3 == 0 ? 0xFF : 0x25));
                    }
                    for (int i = 0; i < 128; i++) {
                        m.set(ValueLayout.JAVA_BYTE, o + 16 + i, (byte) (r % 2 == 0 ? 0x00 : 0xFF));
                    }
                }
            }
            Q4_KMatrix w = new Q4_KMatrix(m, rows, cols);
            Matrix r = Q4_KR32Matrix.LAYOUT.repack(w, arena, null);
            for (int n : new int[] {1, 2, 3, 4, 7}) { // 3 and 7: the four-row kernel with its last row repeated
                float[] x = new float[n * cols];
                for (int t = 0; t < n; t++) {
                    Arrays.fill(x, t * cols, (t + 1) * cols, t % 2 == 0 ? 3f : -3f);
                }
                float[] y = new float[n * rows];
                r.matVecRows(x, 0, cols, n, y, 0, rows, 0, rows);
                for (int t = 0; t < n; t++) {
                    for (int row = 0; row < rows; row++) {
                        float expect = twin(w, row, x, t * cols);
                        org.junit.jupiter.api.Assertions.assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(y[t * rows + row]),
                                "token " + t + " row " + row + ": " + expect + " vs " + y[t * rows + row]);
                    }
                }
            }
        }
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q4_K, 512, new Random(17), Q4_KR32Matrix.LAYOUT::repack, Q4_KR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q4_K, 512, new Random(204), Q4_KR32Matrix.LAYOUT::repack);
    }
}
