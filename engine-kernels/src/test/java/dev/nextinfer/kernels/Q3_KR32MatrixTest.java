package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer Q3_K kernel against its scalar twin (bit for bit), its values against {@link Q3_KMatrix}'s, and every
 * product form against the mat-vec; at every vector width the build tests.
 */
class Q3_KR32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static int u8(MemorySegment m, long o) {
        return m.get(ValueLayout.JAVA_BYTE, o) & 0xFF;
    }

    /**
     * The twin, from ggml's bytes ({@code block_q3_K}: hmask[32], qs[64], scales[12], d): per sub-block {@code j} of
     * 16, {@code isum = Σ q·x_q} with {@code q = low − (high bit ? 0 : 4)} in integers, then
     * {@code y = fma((sc − 32)·isum, d·dx, y)}.
     */
    private static float twin(Matrix source, int row, float[] x, int xOff) {
        Q3_KMatrix w = (Q3_KMatrix) source;
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        Int8Activations.quantiseRow(Arrays.copyOfRange(x, xOff, xOff + cols), 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int sb = 0; sb < cols / 256; sb++) {
            long o = row * w.rowBytes + 110L * sb;
            float dd = Float.float16ToFloat(m.get(LE_SHORT, o + 108));
            for (int j = 0; j < 16; j++) {
                int low = j < 8 ? u8(m, o + 96 + j) & 0xF : u8(m, o + 96 + j - 8) >> 4;
                int high = (u8(m, o + 104 + j % 4) >> (2 * (j / 4))) & 3;
                int sc = (low | high << 4) - 32;
                int isum = 0;
                for (int i = 0; i < 16; i++) {
                    int l = 16 * j + i;
                    int h = l / 128;
                    int t = l % 128 / 32;
                    int q2 = (u8(m, o + 32 + 32 * h + l % 32) >> (2 * t)) & 3;
                    boolean hbit = (u8(m, o + l % 32) & (1 << (4 * h + t))) != 0;
                    isum += (q2 - (hbit ? 0 : 4)) * q[256 * sb + l];
                }
                y = Math.fma((float) (sc * isum), dd * d[8 * sb + j / 2], y);
            }
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        R32Checks.matchesTwin(MatrixFormat.Q3_K, new int[][] {{1, 256}, {5, 512}, {37, 256}, {64, 2048}}, new Random(59), Q3_KR32Matrix.LAYOUT::repack,
                Q3_KR32MatrixTest::twin);
    }

    @Test
    void productFormsAgreeAndValuesAreTheSourcesAndCloseToExact() {
        R32Checks.productFormsAgree(MatrixFormat.Q3_K, 512, new Random(61), Q3_KR32Matrix.LAYOUT::repack, Q3_KR32Matrix.LAYOUT::accepts);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q3_K, 256, new Random(203), Q3_KR32Matrix.LAYOUT::repack);
    }
}
