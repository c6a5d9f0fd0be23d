package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer Q5_K kernel against its scalar twin (bit for bit), its values against {@link Q5_KMatrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q5_KR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The twin, from ggml's bytes ({@code block_q5_K}: d, dmin, 12 scale bytes, qh[32], qs[128]): per sub-block
     * {@code isum = Σ q·x_q} in integers with {@code q = nibble + 16·bit}, then {@code y = fma(isum, (d·sc)·dx, y)}
     * and {@code y = fma(dmin·m, −(dx·Σ x_q), y)} in order.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q5_KMatrix w = (Q5_KMatrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = row * w.rowBytes + 176L * sb;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o));
            float dmin = Float.float16ToFloat(m.get(LE_SHORT, o + 2));
            for (int j = 0; j < 8; j++) {
                int sc = ScalarKQuants.scaleMinK4(m, o + 4, j, 0);
                int mn = ScalarKQuants.scaleMinK4(m, o + 4, j, 1);
                int isum = 0;
                for (int l = 0; l < 32; l++) {
                    int v = m.get(ValueLayout.JAVA_BYTE, o + 48 + 32 * (j / 2) + l) & 0xFF;
                    int bit = (m.get(ValueLayout.JAVA_BYTE, o + 16 + l) >> j) & 1;
                    isum += (((j & 1) == 0 ? v & 15 : v >>> 4) + 16 * bit) * q[256 * sb + 32 * j + l];
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
        R32Checks.matchesTwin(MatrixFormat.Q5_K, new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}, new Random(19), Q5_KR32Matrix.LAYOUT::repack,
                Q5_KR32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q5_K, 512, new Random(31), Q5_KR32Matrix.LAYOUT::repack, Q5_KR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q5_K, 256, new Random(206), Q5_KR32Matrix.LAYOUT::repack);
    }
}
