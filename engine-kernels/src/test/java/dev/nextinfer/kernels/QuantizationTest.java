package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Q8_0/Q4_0 quantisation: bit-exact agreement with a scalar re-implementation of llama.cpp's reference quantisers,
 * round-trip error bounds, edge cases, shape checks, and the f16 scale conversion.
 */
class QuantizationTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Quantises {@code values} as one {@code rows × cols} matrix of {@code f} and returns its segment. */
    private static MemorySegment quantize(MatrixFormat f, float[] values, int rows, int cols) {
        return TestMatrices.build(f, values, rows, cols, 0).segment();
    }

    /** {f16 bits of d, q0..q31} of block {@code b} of row {@code r}, read from the documented layout. */
    private static int[] storedBlock(MatrixFormat f, MemorySegment seg, int rows, int cols, int r, int b) {
        int nb = cols / 32;
        int[] out = new int[33];
        if (f == MatrixFormat.Q8_0) {
            long scales = ScalarMatrixOps.align64((long) rows * cols);
            out[0] = seg.get(LE_SHORT, scales + 2L * (r * nb + b)) & 0xFFFF;
            for (int j = 0; j < 32; j++) {
                out[1 + j] = seg.get(ValueLayout.JAVA_BYTE, (long) r * cols + 32L * b + j);
            }
        } else {
            long scales = ScalarMatrixOps.align64((long) rows * cols / 2);
            out[0] = seg.get(LE_SHORT, scales + 2L * (r * nb + b)) & 0xFFFF;
            for (int j = 0; j < 16; j++) {
                int v = seg.get(ValueLayout.JAVA_BYTE, 16L * (r * nb + b) + j) & 0xFF;
                out[1 + j] = v & 0x0F;
                out[1 + j + 16] = v >>> 4;
            }
        }
        return out;
    }

    private static int[] referenceBlock(MatrixFormat f, float[] x, int off) {
        return f == MatrixFormat.Q8_0 ? ScalarMatrixOps.q8_0Block(x, off) : ScalarMatrixOps.q4_0Block(x, off);
    }

    private static void assertMatchesReference(MatrixFormat f, float[] values, int rows, int cols) {
        MemorySegment seg = quantize(f, values, rows, cols);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / 32; b++) {
                int[] want = referenceBlock(f, values, r * cols + b * 32);
                int[] got = storedBlock(f, seg, rows, cols, r, b);
                for (int j = 0; j < 33; j++) {
                    assertEquals(want[j], got[j], f + " row " + r + " block " + b + (j == 0 ? " scale" : " q" + (j - 1)));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q8_0", "Q4_0"})
    void randomDataMatchesLlamaCppReferenceBitForBit(MatrixFormat f) {
        Random rnd = new Random(2024);
        int rows = 9;
        int cols = 160;
        float[] v = TestMatrices.randomValues(rnd, rows, cols);
        // sprinkle values that land exactly on rounding boundaries of the quantiser
        for (int i = 0; i < v.length; i += 7) {
            v[i] = (float) (Math.rint(v[i] * 4) / 4 + 0.125);
        }
        assertMatchesReference(f, v, rows, cols);
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q8_0", "Q4_0"})
    void edgeCaseBlocksMatchReference(MatrixFormat f) {
        int cols = 32 * 8;
        float[] v = new float[cols];
        // block 0: all zero → d = 0, all quants zero (q4_0: offset 8)
        // block 1: one huge value among small ones
        v[32 + 5] = 3.0e4f;
        for (int j = 0; j < 32; j++) {
            if (j != 5) {
                v[32 + j] = 0.001f * (j - 16);
            }
        }
        // block 2: the largest magnitude is negative
        for (int j = 0; j < 32; j++) {
            v[64 + j] = 0.1f * (j % 5);
        }
        v[64 + 17] = -2.5f;
        // block 3: ties in magnitude (q4_0 keeps the first); block 4: one nonzero; block 5: constant
        v[96 + 3] = -1f;
        v[96 + 9] = 1f;
        v[128 + 31] = -0.75f;
        for (int j = 0; j < 32; j++) {
            v[160 + j] = 0.3f;
        }
        // blocks 6 and 7: scale exactly 1 (amax 127 for q8_0, max −8 for q4_0) and half-integer values, so the
        // quantiser meets exact ties: roundf rounds them away from zero, q4_0's +8.5 and truncation rounds them up
        float top = f == MatrixFormat.Q8_0 ? 127f : -8f;
        for (int j = 0; j < 32; j++) {
            v[192 + j] = (j % 2 == 0 ? -1 : 1) * (j % 7 + 0.5f);
            v[224 + j] = -(j % 5) - 0.5f;
        }
        v[192] = top;
        v[224] = top;
        assertMatchesReference(f, v, 1, cols);

        MemorySegment seg = quantize(f, v, 1, cols);
        int[] zero = storedBlock(f, seg, 1, cols, 0, 0);
        assertEquals(0f, Math.abs(Float.float16ToFloat((short) zero[0])), "all-zero block has scale ±0 (q4_0: max / -8 = -0)");
        for (int j = 1; j <= 32; j++) {
            assertEquals(f == MatrixFormat.Q8_0 ? 0 : 8, zero[j], "all-zero block quant " + (j - 1));
        }
        int[] negMax = storedBlock(f, seg, 1, cols, 0, 2);
        if (f == MatrixFormat.Q4_0) {
            assertTrue(Float.float16ToFloat((short) negMax[0]) > 0, "q4_0: d = max / -8 is positive for a negative max");
            assertEquals(0, negMax[1 + 17], "q4_0: the negative max maps to quant 0 (= -8·d)");
        } else {
            assertEquals(-127, negMax[1 + 17], "q8_0: the negative max maps to -127");
        }
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q8_0", "Q4_0"})
    void roundTripErrorIsWithinOneRoundingStep(MatrixFormat f) {
        Random rnd = new Random(5);
        int rows = 17;
        int cols = 256;
        float[] v = TestMatrices.randomValues(rnd, rows, cols);
        Matrix m = TestMatrices.build(f, v, rows, cols, 0).matrix();
        float[] back = new float[cols];
        double sumSq = 0;
        double errSq = 0;
        for (int r = 0; r < rows; r++) {
            m.row(r, back, 0);
            for (int b = 0; b < cols / 32; b++) {
                float amax = 0;
                for (int j = 0; j < 32; j++) {
                    amax = Math.max(amax, Math.abs(v[r * cols + b * 32 + j]));
                }
                // step d = amax/127 (q8_0) or amax/8 (q4_0); rounding error ≤ d/2, plus the f16 rounding of d. q4_0's
                // grid (q − 8)·d reaches +8·|d| on the side of the max but only 7·|d| on the other, so values near
                // −max clamp to 7·|d|: up to a whole step.
                double step = f == MatrixFormat.Q8_0 ? amax / 127.0 : amax / 8.0;
                double bound = (f == MatrixFormat.Q8_0 ? step / 2 : step) * 1.001 + amax * 1e-3;
                for (int j = 0; j < 32; j++) {
                    int i = b * 32 + j;
                    double e = Math.abs(back[i] - v[r * cols + i]);
                    assertTrue(e <= bound, f + " row " + r + " col " + i + ": |error| " + e + " > " + bound);
                    errSq += e * e;
                    sumSq += (double) v[r * cols + i] * v[r * cols + i];
                }
            }
        }
        double rel = Math.sqrt(errSq / sumSq);
        System.out.printf("%s round trip: relative RMS error %.4f%n", f, rel);
        // Gaussian data: q8_0 keeps ~0.5% relative RMS error, q4_0 ~10%
        assertTrue(rel < (f == MatrixFormat.Q8_0 ? 0.01 : 0.12), f + " relative RMS error " + rel);
    }

    @Test
    void roundHalfAwayIsCsRoundf() {
        assertEquals(3, Blocks.roundHalfAway(2.5f));
        assertEquals(-3, Blocks.roundHalfAway(-2.5f));
        assertEquals(-2, Blocks.roundHalfAway(-2.4999998f));
        assertEquals(0, Blocks.roundHalfAway(0.49999997f)); // float x + 0.5f would round this up to 1
        assertEquals(127, Blocks.roundHalfAway(127.0f));
        assertEquals(-127, Blocks.roundHalfAway(-126.5f));
    }

    @Test
    void f16ScaleConversionRoundsToNearestEven() {
        // values exactly representable in f16 survive; halfway cases round to even; tiny values become subnormal
        assertEquals(1.0f, Float.float16ToFloat(Float.floatToFloat16(1.0f)));
        assertEquals(0x3C00, Float.floatToFloat16(1.0f) & 0xFFFF);
        float halfway = 1.0f + 1.0f / 2048; // between 1 and 1 + 2^-10
        assertEquals(1.0f, Float.float16ToFloat(Float.floatToFloat16(halfway)));
        float aboveHalf = Math.nextUp(halfway);
        assertEquals(1.0f + 1.0f / 1024, Float.float16ToFloat(Float.floatToFloat16(aboveHalf)));
        assertEquals(0x0001, Float.floatToFloat16(5.9604645e-8f) & 0xFFFF); // smallest subnormal
        assertEquals(65504f, Float.float16ToFloat(Float.floatToFloat16(65504f)));
        // a stored scale is the f16 rounding of amax/127, and dequantisation uses that rounded value
        float[] v = new float[32];
        v[0] = 1.2345678f;
        Matrix m = Q8_0Matrix.of(v, 1, 32);
        float[] back = new float[32];
        m.row(0, back, 0);
        float d = Float.float16ToFloat(Float.floatToFloat16(1.2345678f / 127));
        assertEquals(127 * d, back[0]);
    }

    @Test
    void vectorisedScaleConversionIsExactForEveryHalf() {
        int n = 1 << 16;
        MemorySegment seg = MemorySegment.ofArray(new byte[2 * n + 2]).asSlice(2); // unaligned on purpose
        for (int i = 0; i < n; i++) {
            seg.set(LE_SHORT, 2L * i, (short) i);
        }
        float[] got = new float[n + 1];
        got[n - 3] = 42f;
        Blocks.scalesToFloat(seg, 0, n - 3, got); // n − 3 leaves a scalar tail for every vector width
        for (int i = 0; i < n - 3; i++) {
            float want = Float.float16ToFloat((short) i);
            if (Float.isNaN(want)) {
                assertTrue(Float.isNaN(got[i]), "half 0x" + Integer.toHexString(i) + " should be NaN");
            } else {
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), "half 0x" + Integer.toHexString(i));
            }
        }
        assertEquals(42f, got[n - 3], "wrote past n");
    }

    @Test
    void shapesThatAreNotBlocksOf32AreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Q8_0Matrix.byteSize(4, 48));
        assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Q4_0Matrix.of(new float[80], 1, 80));
        assertThrows(IllegalArgumentException.class,
                () -> new Q4_0Matrix(MemorySegment.ofArray(new byte[10]), 1, 32), "segment too small");
    }

    @Test
    void layoutSizesAreAsDocumented() {
        // quants padded to a multiple of 64 bytes, then 2 bytes of scale per block
        assertEquals(128 + 6, Q8_0Matrix.byteSize(3, 32));
        assertEquals(128, Q8_0Matrix.scalesOffset(3, 32));
        assertEquals(128 + 8, Q8_0Matrix.byteSize(2, 64));
        assertEquals(64 + 6, Q4_0Matrix.byteSize(3, 32));
        assertEquals(64, Q4_0Matrix.scalesOffset(3, 32));
        assertEquals(4096 + 512, Q4_0Matrix.byteSize(4, 2048));
        // the bytes a pass streams: 34 (q8_0) or 18 (q4_0) per 32 values, as MatrixFormat says
        Matrix q8 = Q8_0Matrix.of(new float[7 * 96], 7, 96);
        Matrix q4 = Q4_0Matrix.of(new float[7 * 96], 7, 96);
        assertEquals(Math.round(MatrixFormat.Q8_0.bytesPerElement() * 7 * 96), q8.byteSize());
        assertEquals(Math.round(MatrixFormat.Q4_0.bytesPerElement() * 7 * 96), q4.byteSize());
    }
}
