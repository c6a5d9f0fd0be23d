package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A Hugging Face checkpoint folder ({@link Checkpoint}) as a {@link TensorSource}: tensor names are the model's
 * names already. F32, BF16 and F16 tensors are used in place; F8_E4M3 tensors are read through their block scales
 * ({@code weight_scale_inv}); the U8 tensors of a folder written by {@code quantize} are ggml Q8_0/Q4_0 blocks.
 */
public final class SafetensorsSource implements TensorSource {
    /** File metadata key naming the block format of the U8 tensors of a folder written by {@code quantize}. */
    public static final String PREQUANTIZED_KEY = "nextinfer.weights";
    /** File metadata key with the block layout version of those tensors; absent in files of the old split layout. */
    public static final String LAYOUT_KEY = "nextinfer.layout";
    /** The current block layout: ggml's blocks, byte for byte. */
    public static final String LAYOUT_GGML = "ggml";

    private final Checkpoint ckpt;
    private final int[] fp8BlockSize;

    /**
     * @param ckpt         the opened folder (closed with this source)
     * @param fp8BlockSize {@code [rows, cols]} of FP8 scale blocks from the config, or null when it has none
     */
    public SafetensorsSource(Checkpoint ckpt, int[] fp8BlockSize) {
        this.ckpt = ckpt;
        this.fp8BlockSize = fp8BlockSize == null ? null : fp8BlockSize.clone();
    }

    /** The folder's tensors. */
    public Checkpoint checkpoint() {
        return ckpt;
    }

    @Override
    public String location() {
        return ckpt.dir().toString();
    }

    @Override
    public SourceTensor tensor(String name) {
        TensorInfo t = ckpt.info(name);
        return t == null ? null : new Tensor(t);
    }

    @Override
    public boolean hasMtp() {
        return ckpt.names().stream().anyMatch(n -> n.startsWith("mtp."));
    }

    @Override
    public void close() {
        ckpt.close();
    }

    /** The block format of a U8 tensor written by {@code quantize}, or null for an ordinary tensor. */
    private MatrixFormat prequantized(TensorInfo t) {
        if (t.dtype() != DType.U8) {
            return null;
        }
        String f = ckpt.metadataOf(t).get(PREQUANTIZED_KEY);
        return "q8_0".equals(f) ? MatrixFormat.Q8_0 : "q4_0".equals(f) ? MatrixFormat.Q4_0 : null;
    }

    private final class Tensor implements SourceTensor {
        private final TensorInfo info;
        private final MatrixFormat prequantized;

        Tensor(TensorInfo info) {
            this.info = info;
            this.prequantized = prequantized(info);
        }

        @Override
        public String name() {
            return info.name();
        }

        @Override
        public String describe() {
            return info.file() + ": tensor '" + info.name() + "'";
        }

        @Override
        public String type() {
            return prequantized != null ? "U8 (" + prequantized + " blocks)" : info.dtype().name();
        }

        @Override
        public String problem() {
            if (prequantized != null) {
                if (!LAYOUT_GGML.equals(ckpt.metadataOf(info).get(LAYOUT_KEY))) {
                    return info.file() + ": tensor '" + info.name() + "' holds " + prequantized
                            + " blocks in the layout of an older nextinfer; run `nextinfer quantize` on the original checkpoint again";
                }
                return null;
            }
            if (!info.dtype().isSupportedWeight()) {
                return describe() + " has dtype " + info.dtype() + ", expected one of F32, BF16, F16, F8_E4M3";
            }
            if (info.dtype() == DType.F8_E4M3) {
                if (fp8BlockSize == null) {
                    return describe() + " is F8_E4M3 but config.json has no quantization_config.weight_block_size";
                }
                long rows = info.rank() >= 2 ? info.dim(0) : 1;
                long cols = info.rank() >= 2 ? info.numel() / Math.max(1, rows) : info.numel();
                long[] sShape = {(rows + fp8BlockSize[0] - 1) / fp8BlockSize[0], (cols + fp8BlockSize[1] - 1) / fp8BlockSize[1]};
                TensorInfo s = ckpt.info(info.name() + "_scale_inv");
                if (s == null) {
                    return info.file() + ": F8_E4M3 tensor '" + info.name() + "' has no '" + info.name()
                            + "_scale_inv' (expected F32 " + Arrays.toString(sShape) + ")";
                }
                if (!Arrays.equals(s.shape(), sShape) || !(s.dtype() == DType.F32 || s.dtype() == DType.BF16 || s.dtype() == DType.F16)) {
                    return s.file() + ": tensor '" + s.name() + "' is " + s.dtype() + s.shapeString() + ", expected F32 "
                            + Arrays.toString(sShape) + " (blocks of " + fp8BlockSize[0] + "×" + fp8BlockSize[1] + ")";
                }
            }
            return null;
        }

        @Override
        public boolean hasShape(long... shape) {
            if (prequantized != null) { // a flat byte array: its size tells whether it holds that matrix
                return shape.length == 2 && info.rank() == 1 && prequantized.fits(shape[1])
                        && info.dim(0) == prequantized.byteSize(shape[0], shape[1]);
            }
            return Arrays.equals(info.shape(), shape);
        }

        @Override
        public String shapeString() {
            return prequantized != null ? info.byteSize() + " bytes of " + prequantized + " blocks" : info.shapeString();
        }

        @Override
        public MatrixFormat format() {
            if (prequantized != null) {
                return prequantized;
            }
            return switch (info.dtype()) {
                case F32 -> MatrixFormat.F32;
                case BF16 -> MatrixFormat.BF16;
                default -> null;
            };
        }

        @Override
        public long byteSize() {
            return info.byteSize();
        }

        @Override
        public MemorySegment bytes() {
            return format() != null ? ckpt.data(info) : null;
        }

        @Override
        public Matrix matrix(int rows, int cols) {
            return format().wrap(ckpt.data(info), rows, cols);
        }

        private StoredTensor stored() {
            if (info.dtype() == DType.F8_E4M3) {
                return StoredTensor.fp8(ckpt, info, ckpt.info(info.name() + "_scale_inv"), fp8BlockSize[0], fp8BlockSize[1]);
            }
            return StoredTensor.of(ckpt, info);
        }

        @Override
        public void readRow(int row, float[] dst, int off) {
            stored().readRow(row, dst, off);
        }

        @Override
        public float[] readAll() {
            return stored().readAll();
        }

        @Override
        public void release() {
            unload(ckpt.data(info));
            TensorInfo scale = ckpt.info(info.name() + "_scale_inv");
            if (scale != null && info.dtype() == DType.F8_E4M3) {
                unload(ckpt.data(scale));
            }
        }
    }

    private static void unload(MemorySegment s) {
        if (s.isMapped()) {
            s.unload();
        }
    }
}
