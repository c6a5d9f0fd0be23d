package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * A GGUF tensor, or a contiguous row range of one (one expert of a 3-D expert tensor, the gate half of a merged
 * gate/up tensor), as a model tensor. ggml rows are contiguous, so a row range is a plain slice of the mapping.
 * Vectors may carry a transform back to the Hugging Face convention ({@code stored − 1} for norms GGUF stores as
 * {@code 1 + w}, {@code log(−a)} for {@code ssm_a = −exp(A_log)}).
 */
final class GgufTensorView implements SourceTensor {
    private final GgufModel model;
    private final String name;
    private final GgufTensorInfo info;
    private final long firstRow;
    private final long rowCount;
    private final DoubleUnaryOperator transform;

    GgufTensorView(GgufModel model, String name, GgufTensorInfo info, long firstRow, long rowCount, DoubleUnaryOperator transform) {
        this.model = model;
        this.name = name;
        this.info = info;
        this.firstRow = firstRow;
        this.rowCount = rowCount;
        this.transform = transform;
    }

    /** The whole tensor. */
    static GgufTensorView of(GgufModel model, String name, GgufTensorInfo info) {
        return new GgufTensorView(model, name, info, 0, info.rowCount(), null);
    }

    /** The same rows with {@code f} applied to every value read. */
    GgufTensorView transformed(DoubleUnaryOperator f) {
        return new GgufTensorView(model, name, info, firstRow, rowCount, f);
    }

    /** Rows {@code [first, first + count)} of this view. */
    GgufTensorView rows(long first, long count) {
        return new GgufTensorView(model, name, info, firstRow + first, count, transform);
    }

    GgufTensorInfo info() {
        return info;
    }

    long rowCount() {
        return rowCount;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        String part = rowCount == info.rowCount() ? "" : " rows " + firstRow + "–" + (firstRow + rowCount - 1) + " of";
        return model.fileOf(info) + ":" + part + " tensor '" + info.name() + "'";
    }

    @Override
    public String type() {
        return info.type().name();
    }

    @Override
    public String problem() {
        if (info.type().format() == null) {
            return describe() + " has type " + info.type() + ", which nextinfer cannot compute with (supported: "
                    + GgufSource.supportedTypes() + ")";
        }
        return null;
    }

    @Override
    public boolean hasShape(long... shape) {
        long rows = 1;
        for (int i = 0; i < shape.length - 1; i++) {
            rows *= shape[i];
        }
        return info.rowLength() == shape[shape.length - 1] && rowCount == rows;
    }

    @Override
    public String shapeString() {
        return info.type() + info.neString() + (rowCount == info.rowCount() ? "" : " (" + rowCount + " rows of it)");
    }

    @Override
    public MatrixFormat format() {
        return info.type().format();
    }

    @Override
    public long byteSize() {
        return rowCount * rowBytes();
    }

    private long rowBytes() {
        return info.bytes() / info.rowCount();
    }

    private MemorySegment segment() {
        return model.data(info).asSlice(firstRow * rowBytes(), byteSize());
    }

    @Override
    public MemorySegment bytes() {
        return transform == null ? segment() : null;
    }

    @Override
    public Matrix matrix(int rows, int cols) {
        if (transform != null) {
            throw new IllegalStateException(name + " holds transformed values, read it with readAll()");
        }
        return format().wrap(segment(), rows, cols);
    }

    @Override
    public void readRow(int row, float[] dst, int off) {
        int cols = Math.toIntExact(info.rowLength());
        format().wrap(segment(), Math.toIntExact(rowCount), cols).row(row, dst, off);
        if (transform != null) {
            for (int c = 0; c < cols; c++) {
                dst[off + c] = (float) transform.applyAsDouble(dst[off + c]);
            }
        }
    }

    @Override
    public float[] readAll() {
        int cols = Math.toIntExact(info.rowLength());
        float[] out = new float[Math.multiplyExact(Math.toIntExact(rowCount), cols)];
        for (int r = 0; r < rowCount; r++) {
            readRow(r, out, r * cols);
        }
        return out;
    }

    @Override
    public void release() {
        MemorySegment s = segment();
        if (s.isMapped()) {
            s.unload();
        }
    }

    @Override
    public String toString() {
        return describe() + " " + Arrays.toString(info.ne());
    }
}
