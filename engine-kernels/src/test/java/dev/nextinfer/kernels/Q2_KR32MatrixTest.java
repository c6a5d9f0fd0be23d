package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer Q2_K kernel against its scalar twin (bit for bit), its values against {@link Q2_KMatrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q2_KR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The twin, from ggml's bytes ({@code block_q2_K}: scales[16], qs[64], d, dmin): per sub-block {@code j} of 16,
     * {@code isum = Σ q·x_q} and {@code Σ x_q} in integers, then {@code y = fma(sc·isum, d·dx, y)} and
     * {@code y = fma(dmin·m, −(dx·Σ x_q), y)} in order.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q2_KMatrix w = (Q2_KMatrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = row * w.rowBytes + 84L * sb;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o + 80));
            float dmin = Float.float16ToFloat(m.get(LE_SHORT, o + 82));
            for (int j = 0; j < 16; j++) {
                int scm = m.get(ValueLayout.JAVA_BYTE, o + j) & 0xFF;
                int isum = 0;
                int xs = 0;
                for (int i = 0; i < 16; i++) {
                    int l = 16 * j + i;
                    int v = (m.get(ValueLayout.JAVA_BYTE, o + 16 + 32 * (l / 128) + l % 32) & 0xFF) >> (2 * (l % 128 / 32)) & 3;
                    isum += v * q[256 * sb + l];
                    xs += q[256 * sb + l];
                }
                float dx = d[8 * sb + j / 2];
                y = Math.fma((float) ((scm & 15) * isum), dd * dx, y);
                y = Math.fma(dmin * (scm >> 4), -(dx * xs), y);
            }
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        R32Checks.matchesTwin(MatrixFormat.Q2_K, new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}, new Random(47), Q2_KR32Matrix.LAYOUT::repack,
                Q2_KR32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q2_K, 512, new Random(53), Q2_KR32Matrix.LAYOUT::repack, Q2_KR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q2_K, 256, new Random(202), Q2_KR32Matrix.LAYOUT::repack);
    }
}
