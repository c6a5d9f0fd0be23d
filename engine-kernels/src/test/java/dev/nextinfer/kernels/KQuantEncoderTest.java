package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
}
