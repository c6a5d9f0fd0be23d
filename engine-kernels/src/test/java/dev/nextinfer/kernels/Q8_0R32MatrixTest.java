package dev.nextinfer.kernels;

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

    /** The twin, from ggml's bytes: per block of 32 {@code isum = Σ q·x_q} in integers, then {@code y = fma(isum, d·dx, y)}. */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q8_0Matrix w = (Q8_0Matrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
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
        R32Checks.matchesTwin(MatrixFormat.Q8_0, new int[][] {{1, 32}, {5, 96}, {37, 256}, {64, 2048}}, new Random(53), Q8_0R32Matrix.LAYOUT::repack,
                Q8_0R32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q8_0, 512, new Random(59), Q8_0R32Matrix.LAYOUT::repack, Q8_0R32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q8_0, 96, new Random(208), Q8_0R32Matrix.LAYOUT::repack);
    }
}
