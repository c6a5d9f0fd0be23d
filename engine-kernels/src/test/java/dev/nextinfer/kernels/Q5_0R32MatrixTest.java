package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer Q5_0 kernel against its scalar twin (bit for bit), its values against {@link Q5_0Matrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q5_0R32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The twin, from ggml's bytes ({@code block_q5_0}: f16 d, qh[4], qs[16]; value {@code l}'s fifth bit is bit
     * {@code l} of {@code qh}): per block {@code isum = Σ q·x_q − 16·Σ x_q} in integers, then
     * {@code y = fma(isum, d·dx, y)}.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q5_0Matrix w = (Q5_0Matrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long bo = row * w.rowBytes + 22L * b;
            float dw = Float.float16ToFloat(m.get(LE_SHORT, bo));
            int bits = m.get(LE_INT, bo + 2);
            int isum = 0;
            for (int l = 0; l < 32; l++) {
                int v = m.get(ValueLayout.JAVA_BYTE, bo + 6 + l % 16) & 0xFF;
                int ql = (l < 16 ? v & 15 : v >> 4) | (bits >>> l & 1) << 4;
                isum += (ql - 16) * q[32 * b + l];
            }
            y = Math.fma((float) isum, dw * d[b], y);
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        R32Checks.matchesTwin(MatrixFormat.Q5_0, new int[][] {{1, 32}, {5, 96}, {37, 256}, {64, 2048}}, new Random(103),
                Q5_0R32Matrix.LAYOUT::repack, Q5_0R32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q5_0, 160, new Random(109), Q5_0R32Matrix.LAYOUT::repack, Q5_0R32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q5_0, 96, new Random(205), Q5_0R32Matrix.LAYOUT::repack);
    }
}
