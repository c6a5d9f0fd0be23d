package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link MatrixFormat#encodeRow} of the K-quants writes exactly the bytes of {@code llama-quantize}: rows of tensors
 * of the BF16 fixture GGUF, widened to f32, encode to the same rows of the quantised GGUF files (see
 * {@code resources/ggml/README.md}), including multi-super-block rows and an expert slice of a 3-D tensor.
 */
class KQuantEncoderTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "Q4_K, blk.4.nextn.eh_proj, 512",
        "Q4_K, blk.3.ffn_down_exps.e7, 256",
        "Q5_K, blk.4.attn_output, 256",
        "Q6_K, blk.4.nextn.eh_proj, 512",
        "Q6_K, blk.4.ffn_down_exps.e7, 256",
        "Q2_K, blk.4.nextn.eh_proj, 512",
        "Q3_K, blk.4.ffn_down_exps.e7, 256",
    })
    void encodesLikeLlamaQuantize(MatrixFormat f, String tensor, int cols) {
        String base = "/ggml/encode/" + f + "." + tensor;
        byte[] bf16 = NpyF32.Resources.bytes(base + ".bf16");
        byte[] want = NpyF32.Resources.bytes(base + "." + f);
        int rows = bf16.length / (2 * cols);
        assertEquals(f.byteSize(rows, cols), want.length, "quantised slice size");
        ByteBuffer bb = ByteBuffer.wrap(bf16).order(ByteOrder.LITTLE_ENDIAN);
        float[] src = new float[rows * cols + 3];
        for (int i = 0; i < rows * cols; i++) {
            src[3 + i] = BF16Matrix.toFloat(bb.getShort(2 * i));
        }
        assertTrue(f.canEncode());
        long rowBytes = f.rowBytes(cols);
        MemorySegment dst = MemorySegment.ofArray(new byte[want.length + 5]);
        for (int r = 0; r < rows; r++) {
            f.encodeRow(src, 3 + r * cols, dst, 5 + r * rowBytes, cols);
        }
        int blocks = want.length / f.blockBytes();
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < f.blockBytes(); i++) {
                int k = b * f.blockBytes() + i;
                byte got = dst.get(ValueLayout.JAVA_BYTE, 5 + k);
                if (got != want[k]) {
                    assertEquals(want[k] & 0xFF, got & 0xFF, f + " " + tensor + ": super-block " + b + " (row "
                            + b / (cols / 256) + "), byte " + i);
                }
            }
        }
    }

    private static float[] roundTrip(MatrixFormat f, float[] v) {
        MemorySegment seg = MemorySegment.ofArray(new byte[Math.toIntExact(f.rowBytes(v.length))]);
        f.encodeRow(v, 0, seg, 0, v.length);
        float[] back = new float[v.length];
        f.wrap(seg, 1, v.length).row(0, back, 0);
        return back;
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void edgeCasesDecodeSensibly(MatrixFormat f) {
        int n = 512;
        // an all-zero row, a row below GROUP_MAX_EPS and a constant row come back exactly (or as zeros)
        float[] zero = roundTrip(f, new float[n]);
        for (float z : zero) {
            assertEquals(0f, z, 0f, f + " all-zero row");
        }
        float[] tiny = new float[n];
        java.util.Arrays.fill(tiny, 1e-20f);
        for (float z : roundTrip(f, tiny)) {
            assertTrue(Math.abs(z) <= 1e-20f, f + " tiny row decodes to " + z);
        }
        // one large value among small ones, and a row of one sign: finite, and the large value kept to a few %
        float[] spike = new float[n];
        for (int i = 0; i < n; i++) {
            spike[i] = (i % 3 - 1) * 1e-3f;
        }
        spike[300] = -40f;
        float[] back = roundTrip(f, spike);
        assertEquals(-40f, back[300], 40f * 0.07f, f + " spike");
        float[] positive = new float[n];
        for (int i = 0; i < n; i++) {
            positive[i] = 1f + i % 7;
        }
        back = roundTrip(f, positive);
        for (int i = 0; i < n; i++) {
            assertTrue(Float.isFinite(back[i]), f + " finite");
            assertEquals(positive[i], back[i], 7f * (f == MatrixFormat.Q2_K ? 0.5f : 0.2f), f + " positive row, value " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = MatrixFormat.class, names = {"Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"})
    void roundTripErrorShrinksWithBits(MatrixFormat f) {
        Random rnd = new Random(9);
        float[] v = new float[8 * 256];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextGaussian() * 0.02);
        }
        float[] back = roundTrip(f, v);
        double err = 0;
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            err += (back[i] - v[i]) * (back[i] - v[i]);
            sum += v[i] * v[i];
        }
        double rel = Math.sqrt(err / sum);
        // Gaussian weights: about 2^-bits·3 relative RMS error
        double bound = switch (f) {
            case Q2_K -> 0.45;
            case Q3_K -> 0.25;
            case Q4_K -> 0.12;
            case Q5_K -> 0.06;
            default -> 0.03;
        };
        assertTrue(rel < bound, f + " relative RMS error " + rel);
        System.out.printf("%s round trip: relative RMS error %.4f%n", f, rel);
    }
}
