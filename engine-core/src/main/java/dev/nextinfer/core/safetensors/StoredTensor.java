package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.checkpoint.CheckpointException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Reads a stored 1-D or 2-D tensor as f32, row by row, whatever its dtype: F32, BF16, F16, or F8_E4M3 with a
 * block-wise {@code weight_scale_inv} ({@code W[r, c] = fp8(q[r, c]) · scale[r / br, c / bc]}; edge blocks may be
 * partial). Tensors of higher rank are read as {@code [dim0, rest]}.
 */
public final class StoredTensor {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final TensorInfo info;
    private final MemorySegment data;
    private final int rows;
    private final int cols;
    private final MemorySegment scale;
    private final DType scaleType;
    private final int blockRows;
    private final int blockCols;
    private final int scaleCols;

    private StoredTensor(TensorInfo info, MemorySegment data, MemorySegment scale, DType scaleType, int blockRows, int blockCols) {
        this.info = info;
        this.data = data;
        long r = 1;
        long c = 1;
        if (info.rank() == 1) {
            c = info.dim(0);
        } else if (info.rank() >= 2) {
            r = info.dim(0);
            for (int i = 1; i < info.rank(); i++) {
                c *= info.dim(i);
            }
        }
        this.rows = Math.toIntExact(r);
        this.cols = Math.toIntExact(c);
        this.scale = scale;
        this.scaleType = scaleType;
        this.blockRows = blockRows;
        this.blockCols = blockCols;
        this.scaleCols = blockCols == 0 ? 0 : (cols + blockCols - 1) / blockCols;
    }

    /** A plain (unscaled) tensor. */
    public static StoredTensor of(Checkpoint ckpt, TensorInfo info) {
        return new StoredTensor(info, ckpt.data(info), null, null, 0, 0);
    }

    /** An FP8 tensor with its block scales. */
    public static StoredTensor fp8(Checkpoint ckpt, TensorInfo info, TensorInfo scaleInv, int blockRows, int blockCols) {
        return new StoredTensor(info, ckpt.data(info), ckpt.data(scaleInv), scaleInv.dtype(), blockRows, blockCols);
    }

    private dev.nextinfer.kernels.BF16Matrix bf16Rows;

    private dev.nextinfer.kernels.BF16Matrix bf16Rows() {
        if (bf16Rows == null) {
            bf16Rows = new dev.nextinfer.kernels.BF16Matrix(data, rows, cols);
        }
        return bf16Rows;
    }

    /** The header entry. */
    public TensorInfo info() {
        return info;
    }

    /** Rows when read as a matrix (1 for vectors). */
    public int rows() {
        return rows;
    }

    /** Columns when read as a matrix. */
    public int cols() {
        return cols;
    }

    /** The raw bytes (zero-copy). */
    public MemorySegment data() {
        return data;
    }

    /** Writes row {@code r} as f32 into {@code dst[off .. off+cols)}. */
    public void readRow(int r, float[] dst, int off) {
        long base = (long) r * cols;
        switch (info.dtype()) {
            case F32 -> MemorySegment.copy(data, F32, base * 4, dst, off, cols);
            case BF16 -> bf16Rows().row(r, dst, off); // vectorised widening
            case F16 -> {
                for (int c = 0; c < cols; c++) {
                    dst[off + c] = Float.float16ToFloat(data.get(I16, (base + c) * 2));
                }
            }
            case F8_E4M3 -> {
                if (scale == null) {
                    throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' is F8_E4M3 without a weight_scale_inv");
                }
                long scaleRow = (long) (r / blockRows) * scaleCols;
                for (int c = 0; c < cols; c++) {
                    float s = scaleAt(scaleRow + c / blockCols);
                    dst[off + c] = Fp8E4M3.toFloat(data.get(ValueLayout.JAVA_BYTE, base + c)) * s;
                }
            }
            default -> throw new CheckpointException(info.file() + ": tensor '" + info.name() + "' has dtype " + info.dtype()
                    + ", expected one of F32, BF16, F16, F8_E4M3");
        }
    }

    private float scaleAt(long index) {
        return switch (scaleType) {
            case F32 -> scale.get(F32, index * 4);
            case BF16 -> Float.intBitsToFloat((scale.get(I16, index * 2) & 0xFFFF) << 16);
            case F16 -> Float.float16ToFloat(scale.get(I16, index * 2));
            default -> throw new IllegalStateException("scale dtype " + scaleType);
        };
    }

    /** All elements as f32, row-major. */
    public float[] readAll() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) {
            readRow(r, out, r * cols);
        }
        return out;
    }
}
