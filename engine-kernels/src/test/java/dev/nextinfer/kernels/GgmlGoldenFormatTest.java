package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The kernels on bytes made by llama.cpp / ggml (test resources under {@code ggml/}, see the README there):
 * {@code row()} equals ggml's dequantisation bit for bit, the fused {@code dot}/{@code matVec} agree with it, one
 * expert's row range of a tensor wraps in place at any alignment, and the encoders write llama.cpp's bytes.
 */
class GgmlGoldenFormatTest {
    private static final String DIR = "ggml/";
    private static final int COLS = 256;

    /** (format, raw blocks, dequantised golden) */
    static Stream<Arguments> goldens() {
        return Stream.of(
                // sliced from the fixtures' GGUF files: blk.4.ffn_down_exps, expert 7, rows 0..63
                Arguments.of(MatrixFormat.Q8_0, "q3n-256-Q8_0.ffn_down_exps.4.e7.rows0-64"),
                Arguments.of(MatrixFormat.MXFP4, "q3n-256-MXFP4_MOE.ffn_down_exps.4.e7.rows0-64"),
                // random blocks (every scale exponent) dequantised by gguf-py
                Arguments.of(MatrixFormat.F16, "F16.random"),
                Arguments.of(MatrixFormat.Q8_0, "Q8_0.random"),
                Arguments.of(MatrixFormat.Q4_0, "Q4_0.random"),
                Arguments.of(MatrixFormat.Q4_1, "Q4_1.random"),
                Arguments.of(MatrixFormat.Q5_0, "Q5_0.random"),
                Arguments.of(MatrixFormat.Q5_1, "Q5_1.random"),
                Arguments.of(MatrixFormat.IQ4_NL, "IQ4_NL.random"),
                Arguments.of(MatrixFormat.MXFP4, "MXFP4.random"));
    }

    private static String goldenFile(String name) {
        return DIR + name + (name.endsWith(".random") ? ".dequant.npy" : ".npy");
    }

    /** {@code bytes} copied to a heap segment that starts {@code shift} bytes into its array (unaligned). */
    private static MemorySegment unaligned(byte[] bytes, int shift) {
        MemorySegment seg = MemorySegment.ofArray(new byte[bytes.length + shift]).asSlice(shift, bytes.length);
        MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return seg;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("goldens")
    void rowEqualsGgmlDequantisationBitForBit(MatrixFormat f, String name) {
        Npy.Array golden = Npy.floats(goldenFile(name));
        int rows = golden.shape()[0];
        assertEquals(COLS, golden.shape()[1]);
        byte[] raw = Npy.bytes(DIR + name + ".bin");
        assertEquals(f.byteSize(rows, COLS), raw.length, "raw bytes of " + rows + " rows");
        Matrix m = f.wrap(unaligned(raw, 3), rows, COLS);
        float[] row = new float[COLS + 2];
        for (int r = 0; r < rows; r++) {
            m.row(r, row, 1);
            for (int c = 0; c < COLS; c++) {
                float want = golden.data()[r * COLS + c];
                assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(row[1 + c]),
                        f + " " + name + " row " + r + " col " + c + ": " + want + " vs " + row[1 + c]);
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("goldens")
    void expertRowRangeWrapsInPlaceAndDotsAgreeWithGolden(MatrixFormat f, String name) {
        Npy.Array golden = Npy.floats(goldenFile(name));
        int rows = golden.shape()[0];
        byte[] raw = Npy.bytes(DIR + name + ".bin");
        // rows [5, rows) of the tensor, as a loader wraps one expert's slice of a 3-D tensor: the slice starts
        // 5·rowBytes into the data (any alignment) and ends exactly where the data ends
        int first = 5;
        MemorySegment all = unaligned(raw, 1);
        MemorySegment slice = all.asSlice(first * f.rowBytes(COLS));
        Matrix m = f.wrap(slice, rows - first, COLS);
        float[] x = TestMatrices.randomVector(new Random(17), COLS + 4);
        float[] y = new float[rows - first];
        m.matVec(x, 4, y, 0, 0, rows - first);
        float[] ys = new float[3 * (rows - first)];
        m.matMul(x, 4, 0, 3, ys, 0, rows - first, 0, rows - first); // the few-row path: the same x three times
        float[] back = new float[COLS];
        int checked = 0;
        for (int r = 0; r < rows - first; r++) {
            m.row(r, back, 0);
            double want = 0;
            double abs = 0;
            boolean finite = true;
            for (int c = 0; c < COLS; c++) {
                float g = golden.data()[(first + r) * COLS + c];
                assertEquals(Float.floatToRawIntBits(g), Float.floatToRawIntBits(back[c]), f + " sliced row " + r + " col " + c);
                finite &= Float.isFinite(g);
                want += (double) g * x[4 + c];
                abs += Math.abs((double) g * x[4 + c]);
            }
            if (!finite || abs > 1e30) {
                continue; // MXFP4 scales up to 2^127 overflow; nothing to compare a sum with
            }
            double tol = MatrixKernelsTest.tolerance(COLS, abs);
            assertEquals(want, m.dot(r, x, 4), tol, f + " " + name + " dot row " + r);
            assertEquals(want, y[r], tol, f + " " + name + " matVec row " + r);
            for (int t = 0; t < 3; t++) {
                assertEquals(y[r], ys[t * (rows - first) + r], f + " few-row matMul equals matVec, t=" + t);
            }
            checked++;
        }
        assertTrue(checked > 0, "no finite rows");
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"F16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "MXFP4"})
    void encoderWritesGgufPysBytes(MatrixFormat f) {
        assertEncodes(f, "encode.input.npy", f.name() + ".encode.bin");
    }

    /**
     * MXFP4's exponent is {@code floor(log2f(amax))}: blocks whose largest magnitude is a power of two or a few ulps
     * below one (where log2f rounds up to the integer), over the whole exponent range, subnormals and zero blocks.
     */
    @Test
    void mxfp4EncoderMeetsLog2fEdges() {
        assertEncodes(MatrixFormat.MXFP4, "MXFP4.edge.input.npy", "MXFP4.edge.encode.bin");
    }

    private static void assertEncodes(MatrixFormat f, String inputFile, String bytesFile) {
        Npy.Array input = Npy.floats(DIR + inputFile);
        int rows = input.shape()[0];
        int cols = input.shape()[1];
        byte[] want = Npy.bytes(DIR + bytesFile);
        MemorySegment got = MemorySegment.ofArray(new byte[want.length + 1]).asSlice(1, want.length);
        for (int r = 0; r < rows; r++) {
            f.encodeRow(input.data(), r * cols, got, r * f.rowBytes(cols), cols);
        }
        assertBytesEqual(want, got, f.toString(), f.rowBytes(cols), f.blockBytes());
    }

    /**
     * llama.cpp's {@code llama-quantize} made the fixtures' Q8_0 and MXFP4_MOE files from an F32 conversion of the
     * same model as the BF16 file (in MXFP4_MOE, the expert tensors are MXFP4), so encoding the BF16 rows (widened
     * to f32 exactly) must give those files' bytes.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("llamaQuantizeFiles")
    void encoderReproducesLlamaQuantize(MatrixFormat f, String file) {
        int rows = 32;
        byte[] bf16 = Npy.bytes(DIR + "q3n-256-BF16.ffn_down_exps.4.e7.rows0-32.bin");
        byte[] quantised = Npy.bytes(DIR + file);
        assertEquals(rows * COLS * 2, bf16.length);
        float[] values = new float[rows * COLS];
        Matrix src = new BF16Matrix(unaligned(bf16, 5), rows, COLS);
        for (int r = 0; r < rows; r++) {
            src.row(r, values, r * COLS);
        }
        MemorySegment got = MemorySegment.ofArray(new byte[(int) f.byteSize(rows, COLS)]);
        for (int r = 0; r < rows; r++) {
            f.encodeRow(values, r * COLS, got, r * f.rowBytes(COLS), COLS);
        }
        byte[] want = java.util.Arrays.copyOf(quantised, (int) got.byteSize());
        assertBytesEqual(want, got, f + " from BF16", f.rowBytes(COLS), f.blockBytes());
    }

    static Stream<Arguments> llamaQuantizeFiles() {
        return Stream.of(Arguments.of(MatrixFormat.Q8_0, "q3n-256-Q8_0.ffn_down_exps.4.e7.rows0-64.bin"),
                Arguments.of(MatrixFormat.MXFP4, "q3n-256-MXFP4_MOE.ffn_down_exps.4.e7.rows0-64.bin"));
    }

    private static void assertBytesEqual(byte[] want, MemorySegment got, String what, long rowBytes, int blockBytes) {
        assertEquals(want.length, got.byteSize(), what + " size");
        long at = MemorySegment.ofArray(want).mismatch(got);
        if (at >= 0) {
            long r = at / rowBytes;
            long b = at % rowBytes / blockBytes;
            throw new AssertionError(what + ": first different byte " + at + " (row " + r + ", block " + b + ", byte "
                    + at % rowBytes % blockBytes + "): want " + (want[(int) at] & 0xFF) + ", got "
                    + (got.get(ValueLayout.JAVA_BYTE, at) & 0xFF));
        }
    }

    @Test
    void e8m0HalfScaleIsGgmls() {
        // GGML_E8M0_TO_FP32_HALF: 2^(e − 128), subnormal 2^-128 and 2^-127 for e = 0, 1; finite for e = 255
        assertEquals(Math.scalb(1f, -128), MXFP4Matrix.scale(0));
        assertEquals(Math.scalb(1f, -127), MXFP4Matrix.scale(1));
        assertEquals(0.5f, MXFP4Matrix.scale(127));
        assertEquals(1f, MXFP4Matrix.scale(128));
        assertEquals(Math.scalb(1f, 127), MXFP4Matrix.scale(255));
        for (int e = 0; e < 256; e++) {
            assertEquals(Math.scalb(1f, e - 128), MXFP4Matrix.scale(e), "e = " + e);
        }
    }

    @Test
    void tablesAreGgmls() {
        // kvalues_iq4nl and kvalues_mxfp4 from ggml-common.h
        assertEquals(java.util.Arrays.toString(new byte[] {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}),
                java.util.Arrays.toString(IQ4_NLMatrix.VALUES));
        assertEquals(java.util.Arrays.toString(new byte[] {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12}),
                java.util.Arrays.toString(MXFP4Matrix.VALUES));
    }
}
