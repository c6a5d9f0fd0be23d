package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer IQ4_NL kernel against its scalar twin (bit for bit), its values against {@link IQ4_NLMatrix}'s, and
 * every product form against the mat-vec; at every vector width the build tests.
 */
class IQ4_NLR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The twin, from ggml's bytes ({@code block_iq4_nl}: f16 d, qs[16]): per block {@code isum = Σ kvalues[q]·x_q} in
     * integers, then {@code y = fma(isum, d·dx, y)}.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        IQ4_NLMatrix w = (IQ4_NLMatrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long bo = row * w.rowBytes + 18L * b;
            float dw = Float.float16ToFloat(m.get(LE_SHORT, bo));
            int isum = 0;
            for (int l = 0; l < 32; l++) {
                int v = m.get(ValueLayout.JAVA_BYTE, bo + 2 + l % 16) & 0xFF;
                isum += ScalarKQuants.IQ4NL[l < 16 ? v & 15 : v >> 4] * q[32 * b + l];
            }
            y = Math.fma((float) isum, dw * d[b], y);
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        R32Checks.matchesTwin(MatrixFormat.IQ4_NL, new int[][] {{1, 32}, {5, 96}, {37, 256}, {64, 2048}}, new Random(83),
                IQ4_NLR32Matrix.LAYOUT::repack, IQ4_NLR32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.IQ4_NL, 160, new Random(89), IQ4_NLR32Matrix.LAYOUT::repack, IQ4_NLR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.IQ4_NL, 160, new Random(200), IQ4_NLR32Matrix.LAYOUT::repack);
    }
}
