package dev.nextinfer.core.checkpoint;

import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;

/**
 * One tensor of a checkpoint as the model sees it: named and shaped as in the Hugging Face checkpoint, whatever
 * file format stores it. A source may present a slice of a stored tensor (one expert of a 3-D expert tensor), rows
 * gathered from several stored tensors, or values transformed back to the Hugging Face convention (a GGUF norm
 * stored as {@code 1 + w}); {@link #describe()} says what is stored where, for error messages.
 */
public interface SourceTensor {

    /** The model's name for it, e.g. {@code model.layers.0.linear_attn.in_proj_qkvz.weight}. */
    String name();

    /** What is stored and where, e.g. {@code m.gguf: tensor 'blk.0.attn_qkv.weight' (Q4_K)}, for messages. */
    String describe();

    /** The stored element type, e.g. {@code BF16}, {@code Q4_K}, {@code F8_E4M3}. */
    String type();

    /**
     * Whether the tensor has the Hugging Face shape {@code shape} (outermost first). Safetensors tensors must match
     * exactly; GGUF, which drops unit dimensions and stores some tensors squeezed, matches on the row length (last
     * dimension) and the number of rows (the product of the others).
     */
    boolean hasShape(long... shape);

    /**
     * Why the engine cannot use this tensor although it is present (an unsupported element type, a missing FP8
     * scale), as a one-line message naming the file and tensor; null when it can.
     */
    default String problem() {
        return null;
    }

    /** The shape as stored, for messages, e.g. {@code [256, 1024]}. */
    String shapeString();

    /** The kernel format of the stored bytes, or null when they can only be read as f32 ({@link #readRow}). */
    MatrixFormat format();

    /** Bytes the tensor occupies in its file(s). */
    long byteSize();

    /**
     * The stored bytes as a {@code rows × cols} matrix, without a copy ({@link #format()} must not be null and the
     * shape must match).
     */
    Matrix matrix(int rows, int cols);

    /**
     * The stored bytes, when they are exactly this tensor in {@link #format()} (no gathering, no value transform),
     * so a writer can copy them instead of re-encoding; null otherwise.
     */
    default java.lang.foreign.MemorySegment bytes() {
        return null;
    }

    /** Row {@code row} of the {@code [rows, cols]} view as f32 into {@code dst[off .. off + cols)}. */
    void readRow(int row, float[] dst, int off);

    /** All values as f32, row-major. */
    float[] readAll();

    /** Drops the tensor's resident pages (the file stays in the page cache); called once it has been converted. */
    void release();
}
