package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Matrix#row} of each super-block format gives ggml's own dequantised floats bit for bit: 64 rows of one
 * tensor per type, their raw bytes cut from GGUF files made by llama.cpp and the goldens written by gguf-py's
 * dequantiser, which is bit-identical to ggml's {@code to_float} (see {@code resources/ggml/README.md}). The bytes
 * are wrapped at an odd address, as a slice of a mapped file may be. {@code dot} is checked against the goldens too.
 */
class GgmlDequantFormatTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.nextinfer.kernels.KQuantFormatTest#formatList")
    void rowIsBitIdenticalToGgml(MatrixFormat f) {
        NpyF32.Array golden = NpyF32.read("/ggml/dequant/" + f + ".npy");
        int rows = golden.shape()[0];
        int cols = golden.shape()[1];
        byte[] raw = NpyF32.Resources.bytes("/ggml/dequant/" + f + ".bin");
        assertEquals(f.byteSize(rows, cols), raw.length, "raw slice size");
        byte[] shifted = new byte[raw.length + 1];
        System.arraycopy(raw, 0, shifted, 1, raw.length);
        Matrix m = f.wrap(MemorySegment.ofArray(shifted).asSlice(1, raw.length), rows, cols);

        float[] row = new float[cols];
        float[] x = TestMatrices.randomVector(new Random(17), cols);
        for (int r = 0; r < rows; r++) {
            m.row(r, row, 0);
            float[] want = java.util.Arrays.copyOfRange(golden.values(), r * cols, (r + 1) * cols);
            int[] wantBits = new int[cols];
            int[] gotBits = new int[cols];
            for (int c = 0; c < cols; c++) {
                wantBits[c] = Float.floatToRawIntBits(want[c]);
                gotBits[c] = Float.floatToRawIntBits(row[c]);
            }
            assertArrayEquals(wantBits, gotBits, f + " row " + r);

            double dot = 0;
            double abs = 0;
            for (int c = 0; c < cols; c++) {
                dot += (double) want[c] * x[c];
                abs += Math.abs((double) want[c] * x[c]);
            }
            assertEquals(dot, m.dot(r, x, 0), MatrixKernelsTest.tolerance(cols, 4 * abs), f + " dot row " + r);
        }
    }
}
