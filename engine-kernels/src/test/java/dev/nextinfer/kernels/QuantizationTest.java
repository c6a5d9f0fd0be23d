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
 * Block quantisation (q8_0, q4_0, q4_1, q5_0, q5_1): bit-exact agreement with a scalar re-implementation of
 * llama.cpp's reference quantisers, round-trip error bounds, edge cases, shape checks, the ggml block sizes, and the
 * f16 conversion.
 */
class QuantizationTest {
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Quantises {@code values} as one {@code rows × cols} matrix of {@code f} and returns its segment. */
    private static MemorySegment quantize(MatrixFormat f, float[] values, int rows, int cols) {
        return TestMatrices.build(f, values, rows, cols, 0).segment();
    }

    /** f16 fields of a block: d, and for the min/max formats m. */
    private static int fields(MatrixFormat f) {
        return f == MatrixFormat.Q4_1 || f == MatrixFormat.Q5_1 ? 2 : 1;
    }

    /**
     * {f16 bits of d, [f16 bits of m,] q0..q31} of block {@code b} of row {@code r}, read from ggml's block layout:
     * {@code block_q8_0 {d; qs[32]}}, {@code block_q4_0 {d; qs[16]}}, {@code block_q4_1 {d; m; qs[16]}},
     * {@code block_q5_0 {d; qh[4]; qs[16]}}, {@code block_q5_1 {d; m; qh[4]; qs[16]}}.
     */
    private static int[] storedBlock(MatrixFormat f, MemorySegment seg, int rows, int cols, int r, int b) {
        long bo = r * f.rowBytes(cols) + (long) b * f.blockBytes();
        int k = fields(f);
        int[] out = new int[k + 32];
        for (int i = 0; i < k; i++) {
            out[i] = seg.get(LE_SHORT, bo + 2L * i) & 0xFFFF;
        }
        if (f == MatrixFormat.Q8_0) {
            for (int j = 0; j < 32; j++) {
                out[k + j] = seg.get(ValueLayout.JAVA_BYTE, bo + 2 + j);
            }
            return out;
        }
        boolean fiveBits = f == MatrixFormat.Q5_0 || f == MatrixFormat.Q5_1;
        long qh = bo + 2L * k;
        long qs = fiveBits ? qh + 4 : qh;
        int high = fiveBits ? seg.get(LE_INT, qh) : 0;
        for (int j = 0; j < 16; j++) {
            int v = seg.get(ValueLayout.JAVA_BYTE, qs + j) & 0xFF;
            out[k + j] = (v & 0x0F) | ((high >>> j) & 1) << 4;
            out[k + j + 16] = (v >>> 4) | ((high >>> (j + 16)) & 1) << 4;
        }
        return out;
    }

    private static int[] referenceBlock(MatrixFormat f, float[] x, int off) {
        return switch (f) {
            case Q8_0 -> ScalarMatrixOps.q8_0Block(x, off);
            case Q4_0 -> ScalarMatrixOps.q4_0Block(x, off);
            case Q4_1 -> ScalarMatrixOps.q4_1Block(x, off);
            case Q5_0 -> ScalarMatrixOps.q5_0Block(x, off);
            case Q5_1 -> ScalarMatrixOps.q5_1Block(x, off);
            default -> throw new IllegalArgumentException(f.toString());
        };
    }

    private static void assertMatchesReference(MatrixFormat f, float[] values, int rows, int cols) {
        MemorySegment seg = quantize(f, values, rows, cols);
        int k = fields(f);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols / 32; b++) {
                int[] want = referenceBlock(f, values, r * cols + b * 32);
                int[] got = storedBlock(f, seg, rows, cols, r, b);
                for (int j = 0; j < want.length; j++) {
                    assertEquals(want[j], got[j], f + " row " + r + " block " + b
                            + (j == 0 ? " d" : j < k ? " m" : " q" + (j - k)));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
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
    @EnumSource(value = MatrixFormat.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
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
        // blocks 6 and 7: scale exactly 1 (amax 127 for q8_0, max −8 for q4_0, −16 for q5_0; max − min = 15 or 31
        // for q4_1/q5_1) and half-integer values, so the quantiser meets exact ties: roundf rounds them away from
        // zero, the +8.5 / +16.5 / +0.5 and truncation round them up
        float top = switch (f) {
            case Q8_0 -> 127f;
            case Q4_0 -> -8f;
            case Q5_0 -> -16f;
            default -> 0f;
        };
        for (int j = 0; j < 32; j++) {
            v[192 + j] = (j % 2 == 0 ? -1 : 1) * (j % 7 + 0.5f);
            v[224 + j] = -(j % 5) - 0.5f;
        }
        if (f == MatrixFormat.Q4_1 || f == MatrixFormat.Q5_1) {
            float levels = f == MatrixFormat.Q4_1 ? 15 : 31;
            for (int j = 0; j < 32; j++) {
                v[192 + j] = (j * 7 % 32) / 2f % levels - 3;   // min −3, max levels − 3 (d = 1), half-integer steps
                v[224 + j] = (j % 9) * 0.5f;
            }
            v[192] = -3f;
            v[193] = levels - 3;
        } else {
            v[192] = top;
            v[224] = top;
        }
        assertMatchesReference(f, v, 1, cols);

        MemorySegment seg = quantize(f, v, 1, cols);
        int k = fields(f);
        int[] zero = storedBlock(f, seg, 1, cols, 0, 0);
        assertEquals(0f, Math.abs(Float.float16ToFloat((short) zero[0])), "all-zero block has scale ±0 (q4_0: max / -8 = -0)");
        int zeroQuant = switch (f) {
            case Q4_0 -> 8;
            case Q5_0 -> 16;
            default -> 0;
        };
        for (int j = 0; j < 32; j++) {
            assertEquals(zeroQuant, zero[k + j], "all-zero block quant " + j);
        }
        int[] negMax = storedBlock(f, seg, 1, cols, 0, 2);
        switch (f) {
            case Q4_0 -> {
                assertTrue(Float.float16ToFloat((short) negMax[0]) > 0, "q4_0: d = max / -8 is positive for a negative max");
                assertEquals(0, negMax[1 + 17], "q4_0: the negative max maps to quant 0 (= -8·d)");
            }
            case Q5_0 -> assertEquals(0, negMax[1 + 17], "q5_0: the negative max maps to quant 0 (= -16·d)");
            case Q8_0 -> assertEquals(-127, negMax[1 + 17], "q8_0: the negative max maps to -127");
            default -> {
                assertEquals(0, negMax[k + 17], f + ": the minimum maps to quant 0");
                assertEquals(-2.5f, Float.float16ToFloat((short) negMax[1]), f + ": m is the block minimum");
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1"})
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
                // step d = amax/127 (q8_0), amax/8 (q4_0), amax/16 (q5_0), (max − min)/15 (q4_1) or /31 (q5_1);
                // rounding error ≤ d/2, plus the f16 rounding of d (and m). q4_0's grid (q − 8)·d reaches +8·|d| on
                // the side of the max but only 7·|d| on the other, so values near −max clamp to 7·|d|: up to a
                // whole step (q5_0 alike).
                double step = switch (f) {
                    case Q8_0 -> amax / 127.0;
                    case Q4_0 -> amax / 8.0;
                    case Q5_0 -> amax / 16.0;
                    case Q4_1 -> 2 * amax / 15.0;
                    default -> 2 * amax / 31.0;
                };
                boolean symmetric = f == MatrixFormat.Q4_0 || f == MatrixFormat.Q5_0;
                double bound = (symmetric ? step : step / 2) * 1.001 + amax * 1e-3;
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
        // Gaussian data: q8_0 keeps ~0.5% relative RMS error, q4_0 ~10%, the 5-bit and min/max formats less
        double limit = switch (f) {
            case Q8_0 -> 0.01;
            case Q4_0 -> 0.12;
            case Q4_1 -> 0.10;
            default -> 0.06;
        };
        assertTrue(rel < limit, f + " relative RMS error " + rel);
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
    void f16ConversionIsExact() {
        // every sign, exponent and upper mantissa bits, with the lowest five mantissa bits 0, 1 or 31: zeros,
        // subnormals, normals, infinities and NaNs (a sample: 65536 halves through interpreted vector code, before
        // the JIT has compiled it, take seconds)
        int n = 3 * 2048;
        MemorySegment seg = MemorySegment.ofArray(new byte[2 * n + 2]).asSlice(2); // unaligned on purpose
        for (int i = 0; i < n; i++) {
            seg.set(LE_SHORT, 2L * i, (short) ((i / 3) << 5 | new int[] {0, 1, 31}[i % 3]));
        }
        float[] got = new float[n + 1];
        got[n - 3] = 42f;
        F16Matrix.toFloat(seg, 0, n - 3, got, 0); // n − 3 leaves a scalar tail for every vector width
        for (int i = 0; i < n - 3; i++) {
            short h = seg.get(LE_SHORT, 2L * i);
            float want = Float.float16ToFloat(h);
            if (Float.isNaN(want)) { // NaN payloads: the hardware conversion may quieten them
                assertTrue(Float.isNaN(got[i]), "half 0x" + Integer.toHexString(h & 0xFFFF) + " should be NaN");
            } else {
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), "half 0x" + Integer.toHexString(h & 0xFFFF));
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
    void layoutSizesAreGgmls() {
        // ggml's blocks, back to back: 34 bytes (q8_0) or 18 (q4_0) per 32 values, no padding
        assertEquals(3 * 34, Q8_0Matrix.byteSize(3, 32));
        assertEquals(2 * 2 * 34, Q8_0Matrix.byteSize(2, 64));
        assertEquals(3 * 18, Q4_0Matrix.byteSize(3, 32));
        assertEquals(4 * 64 * 18, Q4_0Matrix.byteSize(4, 2048));
        assertEquals(MatrixFormat.Q8_0.byteSize(7, 96), Q8_0Matrix.byteSize(7, 96));
        assertEquals(MatrixFormat.Q4_0.byteSize(7, 96), Q4_0Matrix.byteSize(7, 96));
        for (MatrixFormat f : TestMatrices.FORMATS) {
            int cols = f.blockValues() == 256 ? 512 : 96;
            Matrix m = TestMatrices.random(f, new Random(1), 7, cols, 0).matrix();
            assertEquals(f, m.format());
            assertEquals(f.byteSize(7, cols), m.byteSize(), f + ": the bytes a pass streams");
        }
        assertEquals(20, MatrixFormat.Q4_1.blockBytes());
        assertEquals(22, MatrixFormat.Q5_0.blockBytes());
        assertEquals(24, MatrixFormat.Q5_1.blockBytes());
        assertEquals(17, MatrixFormat.MXFP4.blockBytes());
    }

    @Test
    void quantizeRowWritesTheRowsOfAGgmlTensor() {
        // quantizeRow(row r) and encodeRow at byte r·rowBytes write the same bytes: rows are consecutive blocks
        Random rnd = new Random(9);
        int rows = 3;
        int cols = 64;
        float[] v = TestMatrices.randomValues(rnd, rows, cols);
        MemorySegment a = MemorySegment.ofArray(new byte[(int) Q8_0Matrix.byteSize(rows, cols)]);
        MemorySegment b = MemorySegment.ofArray(new byte[(int) Q4_0Matrix.byteSize(rows, cols)]);
        for (int r = rows - 1; r >= 0; r--) {
            Q8_0Matrix.quantizeRow(v, r * cols, a, rows, cols, r);
            Q4_0Matrix.quantizeRow(v, r * cols, b, rows, cols, r);
        }
        assertTrue(a.mismatch(quantize(MatrixFormat.Q8_0, v, rows, cols)) < 0, "q8_0");
        assertTrue(b.mismatch(quantize(MatrixFormat.Q4_0, v, rows, cols)) < 0, "q4_0");
        assertTrue(Q8_0Matrix.of(v, rows, cols).segment().mismatch(a) < 0, "q8_0 of()");
        assertTrue(Q4_0Matrix.of(v, rows, cols).segment().mismatch(b) < 0, "q4_0 of()");
    }

    @Test
    void formatsWithoutEncoderSaySo() {
        assertTrue(!MatrixFormat.IQ4_NL.canEncode() && MatrixFormat.MXFP4.canEncode());
        assertThrows(IllegalStateException.class,
                () -> MatrixFormat.IQ4_NL.encodeRow(new float[32], 0, MemorySegment.ofArray(new byte[18]), 0, 32));
    }
}
