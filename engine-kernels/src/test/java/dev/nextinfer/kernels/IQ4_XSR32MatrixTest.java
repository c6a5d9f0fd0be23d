package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer IQ4_XS kernel against its scalar twin (bit for bit), its values against {@link IQ4_XSMatrix}'s, and
 * every product form against the mat-vec; at every vector width the build tests.
 */
class IQ4_XSR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * The twin, from ggml's bytes ({@code block_iq4_xs}: d, scales_h, scales_l[4], qs[128]): per sub-block of 32
     * {@code isum = Σ kvalues[q]·x_q} in integers, then {@code y = fma(isum, (d·(ls − 32))·dx, y)}.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        IQ4_XSMatrix w = (IQ4_XSMatrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = row * w.rowBytes + 136L * sb;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o));
            int sh = m.get(LE_SHORT, o + 2) & 0xFFFF;
            for (int j = 0; j < 8; j++) {
                int ls = (((m.get(ValueLayout.JAVA_BYTE, o + 4 + j / 2) & 0xFF) >> (4 * (j % 2))) & 15) | ((sh >> (2 * j)) & 3) << 4;
                int isum = 0;
                for (int l = 0; l < 32; l++) {
                    int b = m.get(ValueLayout.JAVA_BYTE, o + 8 + 16 * j + l % 16) & 0xFF;
                    isum += ScalarKQuants.IQ4NL[l < 16 ? b & 15 : b >> 4] * q[256 * sb + 32 * j + l];
                }
                y = Math.fma((float) isum, (dd * (ls - 32)) * d[8 * sb + j], y);
            }
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        R32Checks.matchesTwin(MatrixFormat.IQ4_XS, new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}, new Random(73), IQ4_XSR32Matrix.LAYOUT::repack,
                IQ4_XSR32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.IQ4_XS, 512, new Random(79), IQ4_XSR32Matrix.LAYOUT::repack, IQ4_XSR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.IQ4_XS, 512, new Random(201), IQ4_XSR32Matrix.LAYOUT::repack);
    }
}
