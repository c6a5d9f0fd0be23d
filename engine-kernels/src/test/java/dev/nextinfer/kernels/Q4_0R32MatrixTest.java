package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The integer Q4_0 kernel against its scalar twin (bit for bit: integer sums, then the same f32 operations in the
 * same order), its values against {@link Q4_0Matrix}'s, every product form against the mat-vec, and the activation
 * quantisation against its definition. Runs at every vector width the build tests (128, 256, 512 bits).
 */
class Q4_0R32MatrixTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static float[] values(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian() * (i % 7 == 0 ? 3f : 1f);
        }
        return v;
    }

    /**
     * The twin: for each block, {@code Σ q·x − 8·Σ x} in exact integers from ggml's Q4_0 bytes and the quantised
     * activations, then {@code y = fma((float) isum, d_w·d_x, y)} in block order.
     */
    private static float twin(Q4_0Matrix w, int row, float[] x, int xOff) {
        int cols = w.cols();
        short[] q = new short[cols];
        float[] d = new float[cols / 32];
        int[] sum = new int[cols / 32];
        float[] xs = java.util.Arrays.copyOfRange(x, xOff, xOff + cols);
        Int8Activations.quantiseRow(xs, 0, cols, q, d, sum);
        MemorySegment m = w.segment();
        float y = 0f;
        for (int b = 0; b < cols / 32; b++) {
            long bo = row * w.rowBytes + 18L * b;
            float dw = Float.float16ToFloat(m.get(LE_SHORT, bo));
            int isum = 0;
            for (int j = 0; j < 32; j++) {
                int v = m.get(ValueLayout.JAVA_BYTE, bo + 2 + (j & 15)) & 0xFF;
                int qj = j < 16 ? v & 15 : v >>> 4;
                isum += (qj - 8) * q[32 * b + j];
            }
            y = Math.fma((float) isum, dw * d[b], y);
        }
        return y;
    }

    @Test
    void matchesTheScalarTwinBitForBitOnOddShapes() {
        Random rnd = new Random(3);
        try (Arena arena = Arena.ofConfined()) {
            for (int[] shape : new int[][] {{1, 32}, {5, 64}, {37, 96}, {64, 2048}, {70, 512}}) {
                int rows = shape[0];
                int cols = shape[1];
                Q4_0Matrix w = Q4_0Matrix.of(values(rnd, rows * cols), rows, cols);
                Q4_0R32Matrix r = Q4_0R32Matrix.LAYOUT.repack(w, arena, null);
                float[] x = values(rnd, cols + 3);
                float[] y = new float[rows + 2];
                r.matVec(x, 3, y, 2, 0, rows);
                for (int row = 0; row < rows; row++) {
                    float expect = twin(w, row, x, 3);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(y[2 + row]),
                            rows + "×" + cols + " row " + row + ": " + expect + " vs " + y[2 + row]);
                    assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(r.dot(row, x, 3)), "dot, row " + row);
                }
            }
        }
    }

    /**
     * Every form sums a whole block in int16 (partial sums wrap, the block's {@code Σ (q − 8)·x} does not): its
     * extreme, every weight at {@code q = 0} (value {@code −8·d}) and every activation at +127 or −127, is
     * {@code ±32·8·127 = ±32512}, just inside int16.
     */
    @Test
    void everyFormHoldsTheExtremeBlock() {
        int rows = 33;
        int cols = 64;
        float[] w = new float[rows * cols];
        java.util.Arrays.fill(w, 0.5f); // a block of equal positive values: d = max / −8 < 0, every q = 0
        try (Arena arena = Arena.ofConfined()) {
            Q4_0Matrix q = Q4_0Matrix.of(w, rows, cols);
            Q4_0R32Matrix r = Q4_0R32Matrix.LAYOUT.repack(q, arena, null);
            for (int n : new int[] {1, 2, 3, 4, 7}) { // 3 and 7: the four-row kernel with its last row repeated
                float[] x = new float[n * cols];
                for (int t = 0; t < n; t++) {
                    java.util.Arrays.fill(x, t * cols, (t + 1) * cols, t % 2 == 0 ? 3f : -3f);
                }
                float[] y = new float[n * rows];
                r.matVecRows(x, 0, cols, n, y, 0, rows, 0, rows);
                for (int t = 0; t < n; t++) {
                    for (int row = 0; row < rows; row++) {
                        float expect = twin(q, row, x, t * cols);
                        assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(y[t * rows + row]), "token " + t + " row " + row);
                    }
                    assertEquals(t % 2 == 0 ? 0.5f * 3f * cols : -0.5f * 3f * cols, y[t * rows], 1e-2f * cols);
                }
            }
        }
    }

    @Test
    void everyProductFormAndEveryRowRangeEqualsTheMatVec() {
        Random rnd = new Random(5);
        int rows = 75;
        int cols = 128;
        try (Arena arena = Arena.ofConfined()) {
            Q4_0R32Matrix r = Q4_0R32Matrix.LAYOUT.repack(Q4_0Matrix.of(values(rnd, rows * cols), rows, cols), arena, null);
            for (int n = 1; n <= 5; n++) {
                float[] x = values(rnd, n * (cols + 1));
                float[] whole = new float[n * rows];
                for (int t = 0; t < n; t++) {
                    r.matVec(x, t * (cols + 1), whole, t * rows, 0, rows);
                }
                for (int[] range : new int[][] {{0, rows}, {3, 40}, {32, 64}, {31, 33}, {70, 75}}) {
                    float[] rowsOut = new float[n * rows];
                    float[] mul = new float[n * rows];
                    r.matVecRows(x, 0, cols + 1, n, rowsOut, 0, rows, range[0], range[1]);
                    r.matMul(x, 0, cols + 1, n, mul, 0, rows, range[0], range[1]);
                    for (int t = 0; t < n; t++) {
                        for (int i = 0; i < rows; i++) {
                            boolean in = i >= range[0] && i < range[1];
                            float expect = in ? whole[t * rows + i] : 0f;
                            assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(rowsOut[t * rows + i]), "matVecRows n=" + n + " row " + i);
                            assertEquals(Float.floatToRawIntBits(expect), Float.floatToRawIntBits(mul[t * rows + i]), "matMul n=" + n + " row " + i);
                        }
                    }
                }
            }
        }
    }

    @Test
    void holdsTheSameValuesAndStaysCloseToTheExactProduct() {
        Random rnd = new Random(7);
        int rows = 40;
        int cols = 256;
        try (Arena arena = Arena.ofConfined()) {
            Q4_0Matrix w = Q4_0Matrix.of(values(rnd, rows * cols), rows, cols);
            Q4_0R32Matrix r = Q4_0R32Matrix.LAYOUT.repack(w, arena, null);
            assertEquals(MatrixFormat.Q4_0, r.format());
            assertEquals(32, r.rowGroup());
            float[] a = new float[cols];
            float[] b = new float[cols];
            float[] x = values(rnd, cols);
            double err = 0;
            double norm = 0;
            for (int row = 0; row < rows; row++) {
                w.row(row, a, 0);
                r.row(row, b, 0);
                for (int c = 0; c < cols; c++) {
                    assertEquals(Float.floatToRawIntBits(a[c]), Float.floatToRawIntBits(b[c]), "value " + row + "," + c);
                }
                double exact = 0;
                for (int c = 0; c < cols; c++) {
                    exact += (double) a[c] * x[c];
                }
                double diff = r.dot(row, x, 0) - exact;
                err += diff * diff;
                norm += exact * exact;
            }
            // int8 activations (as llama.cpp's Q4_0 × Q8_0): about 1/254 of each block's largest value per element
            assertTrue(Math.sqrt(err / norm) < 2e-2, "relative error " + Math.sqrt(err / norm));
        }
    }

    @Test
    void repacksStackedRowsAndRefusesOtherFormats() {
        Random rnd = new Random(9);
        int cols = 64;
        try (Arena arena = Arena.ofConfined()) {
            Q4_0Matrix p0 = Q4_0Matrix.of(values(rnd, 10 * cols), 10, cols);
            Q4_0Matrix p1 = Q4_0Matrix.of(values(rnd, 7 * cols), 7, cols);
            StackedRows s = new StackedRows(new Matrix[] {p0, p1}, new int[] {1, 0, 1}, new int[] {2, 0, 0}, new int[] {5, 10, 2});
            assertTrue(Q4_0R32Matrix.LAYOUT.accepts(s));
            Q4_0R32Matrix r = Q4_0R32Matrix.LAYOUT.repack(s, arena, null);
            float[] a = new float[cols];
            float[] b = new float[cols];
            for (int row = 0; row < s.rows(); row++) {
                s.row(row, a, 0);
                r.row(row, b, 0);
                assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b), "row " + row);
            }
            Matrix q8 = Q8_0Matrix.of(values(rnd, 4 * cols), 4, cols);
            assertFalse(Q4_0R32Matrix.LAYOUT.accepts(q8));
            assertThrows(IllegalArgumentException.class, () -> Q4_0R32Matrix.LAYOUT.repack(q8, arena, null));
        }
    }

    @Test
    void activationsAreQuantisedPerBlockAndReusedOnlyWhenUnchanged() {
        Random rnd = new Random(11);
        int cols = 96;
        float[] x = values(rnd, cols);
        x[5] = 0f;
        x[40] = -x[41]; // a block's extremes of both signs
        Int8Activations a = Int8Activations.of(x, 0, cols, 1, cols);
        for (int b = 0; b < 3; b++) {
            float amax = 0f;
            int sum = 0;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
                sum += a.q[32 * b + j];
            }
            assertEquals(Float.float16ToFloat(Float.floatToFloat16(amax / 127f)), a.d[b]);
            assertEquals(sum, a.sum[b]);
            for (int j = 0; j < 32; j++) {
                int q = a.q[32 * b + j];
                assertTrue(Math.abs(q) <= 127);
                // q = round(x / d) with the f32 d; the f16 d held differs from it by at most 2⁻¹¹ relative
                assertTrue(Math.abs(q * (double) a.d[b] - x[32 * b + j]) <= a.d[b] * 0.5001 + 127 * a.d[b] / 2048, "block " + b + " value " + j);
            }
        }
        for (int j = 0; j < cols; j++) { // the nibble-quad coefficients: q[j], or q[j] − 16·q[j − 1] inside a quad
            assertEquals((short) (j % 4 == 0 ? a.q[j] : a.q[j] - 16 * a.q[j - 1]), a.quad[j], "quad coefficient " + j);
        }
        assertEquals(3, Int8Activations.roundHalfAway(2.5f));
        assertEquals(-3, Int8Activations.roundHalfAway(-2.5f));
        assertEquals(0, Int8Activations.roundHalfAway(Float.NaN));
        assertSame(a, Int8Activations.of(x, 0, cols, 1, cols));
        short before = a.q[7];
        x[7] = -x[7] * 0.5f + 0.25f;
        Int8Activations again = Int8Activations.of(x, 0, cols, 1, cols);
        float amax0 = 0f;
        for (int j = 0; j < 32; j++) {
            amax0 = Math.max(amax0, Math.abs(x[j]));
        }
        assertEquals(Int8Activations.roundHalfAway(x[7] * (1f / (amax0 / 127f))), again.q[7], "a changed row is quantised again (was " + before + ")");
        float[] zeros = new float[32];
        Int8Activations z = Int8Activations.of(zeros, 0, 32, 1, 32);
        assertEquals(0f, z.d[0]);
        assertEquals(0, z.q[0]);
    }

    /** Every lane of the vector quantiser is {@link Int8Activations#roundHalfAway} of {@code x·(1/d)}: halves of both signs, −0, NaN. */
    @Test
    void vectorRoundingIsRoundHalfAwayInEveryLane() {
        int cols = 64;
        float[] x = new float[cols];
        float[] special = {127f, 2.5f, -2.5f, 0.5f, -0.5f, -0f, 0f, 1.4999999f, -1.4999999f, 126.5f, -126.5f, -127f, 3f, -3f};
        Random rnd = new Random(13);
        for (int i = 0; i < cols; i++) {
            x[i] = i < special.length ? special[i] : (i == 40 ? 127f : Math.round(rnd.nextGaussian() * 80) + (rnd.nextBoolean() ? 0.5f : 0.25f));
        }
        short[] q = new short[cols];
        float[] d = new float[2];
        int[] sum = new int[2];
        Int8Activations.quantiseRow(x, 0, cols, q, d, sum);
        for (int b = 0; b < 2; b++) {
            float amax = 0f;
            for (int j = 0; j < 32; j++) {
                amax = Math.max(amax, Math.abs(x[32 * b + j]));
            }
            float db = amax / 127f;
            int s = 0;
            for (int j = 0; j < 32; j++) {
                int expect = Int8Activations.roundHalfAway(x[32 * b + j] * (1f / db));
                assertEquals(expect, q[32 * b + j], "block " + b + " value " + j + " = " + x[32 * b + j]);
                s += expect;
            }
            assertEquals(s, sum[b]);
        }
        float[] nan = new float[32];
        nan[3] = Float.NaN;
        Int8Activations.quantiseRow(nan, 0, 32, q, d, sum);
        assertEquals(0, q[0]);
    }

    @Test
    void pairedGroupsGiveEachGroupItsOwnBits() {
        R32Checks.pairedGroupsAgree(MatrixFormat.Q4_0, 96, new Random(209), Q4_0R32Matrix.LAYOUT::repack);
    }
}
