package dev.nextinfer.kernels;

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

    /**
     * The twin, from ggml's bytes: per sub-block of 16 {@code isum = sc·Σ (q − 32)·x_q} in integers, then
     * {@code y = fma(isum, d·dx, y)} in order.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q6_KMatrix w = (Q6_KMatrix) source;
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
        R32Checks.matchesTwin(MatrixFormat.Q6_K, new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}, new Random(23), Q6_KR32Matrix.LAYOUT::repack,
                Q6_KR32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q6_K, 512, new Random(29), Q6_KR32Matrix.LAYOUT::repack, Q6_KR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q6_K, 512, new Random(207), Q6_KR32Matrix.LAYOUT::repack);
    }
}
