package dev.nextinfer.core.weights;

import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.CheckpointException;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.safetensors.StoredTensor;
import dev.nextinfer.core.safetensors.TensorInfo;
import dev.nextinfer.kernels.BF16Matrix;
import dev.nextinfer.kernels.F32Matrix;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.Q4_0Matrix;
import dev.nextinfer.kernels.Q8_0Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Builds {@link ModelWeights} from a checkpoint. The tensors a config implies are described once, in
 * {@link #build}; it runs twice: a dry run that checks every tensor's presence, dtype and shape (collecting all
 * problems) before anything is converted, then the real run that maps or converts each tensor.
 */
public final class WeightLoader {
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Qwen3NextConfig cfg;
    private final Checkpoint ckpt;
    private final WeightFormat format;
    private final Arena arena;
    private final LoadListener listener;
    private final boolean dryRun;
    private int threads = 1;
    private boolean quantised;
    private final List<String> problems = new ArrayList<>();
    private final List<TensorSpec> listed;
    private final boolean listMtp;
    private long totalBytes;
    private long doneBytes;
    /** Bytes the dry run predicts conversions will allocate (tensors not usable in place). */
    private long convertedBytes;
    private boolean blockFallbackReported;

    private WeightLoader(Qwen3NextConfig cfg, Checkpoint ckpt, WeightFormat format, Arena arena, LoadListener listener, boolean dryRun) {
        this.cfg = cfg;
        this.ckpt = ckpt;
        this.format = format;
        this.arena = arena;
        this.listener = listener;
        this.dryRun = dryRun;
        this.listed = null;
        this.listMtp = false;
    }

    private WeightLoader(Qwen3NextConfig cfg, boolean withMtp) {
        this.cfg = cfg;
        this.ckpt = null;
        this.format = null;
        this.arena = null;
        this.listener = LoadListener.NONE;
        this.dryRun = true;
        this.listed = new ArrayList<>();
        this.listMtp = withMtp;
    }

    /** What a tensor is used as, which decides its compute format. */
    public enum Kind {
        /** A large matrix held in the compute format ({@code --weights}). */
        MATRIX,
        /** A matrix always held in f32 (the MoE router). */
        F32_MATRIX,
        /** The embedding table: rows looked up, kept as stored when f32/bf16. */
        EMBEDDING,
        /** A small parameter read into a {@code float[]} (norms, conv taps, A_log, dt_bias, gates). */
        VECTOR
    }

    /**
     * A tensor a config implies.
     *
     * @param name  checkpoint name
     * @param shape expected shape
     * @param kind  what it is used as
     */
    public record TensorSpec(String name, long[] shape, Kind kind) {
    }

    /**
     * Checks every tensor the config implies (presence, dtype, shape) without converting anything; throws the
     * same one-line error {@link #load} would.
     */
    public static void check(Qwen3NextConfig cfg, Checkpoint ckpt) {
        WeightLoader check = new WeightLoader(cfg, ckpt, null, null, LoadListener.NONE, true);
        check.build();
        check.throwProblems();
    }

    private void throwProblems() {
        if (!problems.isEmpty()) {
            String first = problems.getFirst();
            int more = problems.size() - 1;
            throw new CheckpointException(first + (more > 0 ? " (and " + more + " more problem" + (more > 1 ? "s" : "") + ")" : ""));
        }
    }

    /** Every tensor (name and shape) a checkpoint of this config holds, in load order; MTP tensors if asked. */
    public static List<TensorSpec> expectedTensors(Qwen3NextConfig cfg, boolean withMtp) {
        WeightLoader l = new WeightLoader(cfg, withMtp);
        l.build();
        return List.copyOf(l.listed);
    }

    private boolean has(String name) {
        return ckpt != null && ckpt.has(name);
    }

    /**
     * What {@link #load} produced besides the weights.
     *
     * @param quantised whether any compute matrix is held in q8_0 or q4_0 (converted or mapped)
     */
    public record Result(ModelWeights weights, String mtpNote, boolean quantised) {
    }

    /**
     * Checks and loads all weights. {@code format} null means "as stored": f32 and bf16 tensors are used in place,
     * f16 and fp8 ones are widened to f32 (exact). Converted weights are allocated in {@code arena}.
     */
    public static Result load(Qwen3NextConfig cfg, Checkpoint ckpt, WeightFormat format, Arena arena, LoadListener listener) {
        return load(cfg, ckpt, format, arena, listener, Runtime.getRuntime().availableProcessors());
    }

    /** As {@link #load(Qwen3NextConfig, Checkpoint, WeightFormat, Arena, LoadListener)}, converting on {@code threads} threads. */
    public static Result load(Qwen3NextConfig cfg, Checkpoint ckpt, WeightFormat format, Arena arena, LoadListener listener,
                              int threads) {
        WeightLoader check = new WeightLoader(cfg, ckpt, format, arena, LoadListener.NONE, true);
        check.build();
        check.throwProblems();
        checkMemory(check.convertedBytes, format);
        WeightLoader real = new WeightLoader(cfg, ckpt, format, arena, listener, false);
        real.totalBytes = check.totalBytes;
        real.threads = Math.max(1, threads);
        ModelWeights w;
        try {
            w = real.build();
        } finally {
            if (real.loadPool != null) {
                real.loadPool.shutdown();
            }
        }
        return new Result(w, w.mtp() == null ? "checkpoint has no mtp.* tensors: multi-token prediction is unavailable" : null,
                real.quantised);
    }

    /** Fails before converting anything when the converted weights cannot fit in physical memory. */
    private static void checkMemory(long bytes, WeightFormat format) {
        long physical = physicalMemory();
        if (physical > 0 && bytes > physical * 0.9) {
            throw new dev.nextinfer.core.NextInferException(String.format(
                    "the weights in %s need %.1f GB but this machine has %.1f GB of memory; choose a smaller format (--weights bf16, q8_0 or q4_0)",
                    format == null ? "f32 (widened from f16/fp8)" : format.cliName(), bytes / 1e9, physical / 1e9));
        }
    }

    private static long physicalMemory() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    // ---- the tensors a config implies ----

    private ModelWeights build() {
        int h = cfg.hiddenSize();
        Matrix embed = embedding("model.embed_tokens.weight", cfg.vocabSize(), h);
        LayerWeights[] layers = new LayerWeights[cfg.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            layers[i] = layer(p, cfg.layerType(i), cfg.isMoeLayer(i));
        }
        float[] norm = vector("model.norm.weight", h);
        Matrix lmHead;
        if (cfg.tieWordEmbeddings() && !has("lm_head.weight")) {
            lmHead = embed;
        } else {
            lmHead = matrix("lm_head.weight", cfg.vocabSize(), h);
        }
        MtpWeights mtp = null;
        boolean anyMtp = listed != null ? listMtp : ckpt.names().stream().anyMatch(n -> n.startsWith("mtp."));
        if (anyMtp) {
            String p = "mtp.";
            boolean mtpMoe = has("mtp.layers.0.mlp.gate.weight") || cfg.isMoeLayer(0);
            mtp = new MtpWeights(
                    vector(p + "pre_fc_norm_embedding.weight", h),
                    vector(p + "pre_fc_norm_hidden.weight", h),
                    matrix(p + "fc.weight", h, 2 * h),
                    layer(p + "layers.0.", LayerType.FULL_ATTENTION, mtpMoe),
                    vector(p + "norm.weight", h));
        }
        return new ModelWeights(embed, layers, norm, lmHead, mtp);
    }

    private LayerWeights layer(String p, LayerType type, boolean moeLayer) {
        int h = cfg.hiddenSize();
        float[] inNorm = vector(p + "input_layernorm.weight", h);
        float[] postNorm = vector(p + "post_attention_layernorm.weight", h);
        DeltaNetWeights linear = null;
        AttentionWeights attn = null;
        if (type == LayerType.LINEAR_ATTENTION) {
            String a = p + "linear_attn.";
            int nv = cfg.linearNumValueHeads();
            int dv = cfg.linearValueHeadDim();
            linear = new DeltaNetWeights(
                    matrix(a + "in_proj_qkvz.weight", cfg.linearQkvzDim(), h),
                    matrix(a + "in_proj_ba.weight", 2 * nv, h),
                    tensor(a + "conv1d.weight", cfg.linearConvDim(), 1, cfg.linearConvKernelDim()),
                    vector(a + "A_log", nv),
                    vector(a + "dt_bias", nv),
                    vector(a + "norm.weight", dv),
                    matrix(a + "out_proj.weight", h, nv * dv));
        } else {
            String a = p + "self_attn.";
            int hd = cfg.headDim();
            attn = new AttentionWeights(
                    matrix(a + "q_proj.weight", 2 * cfg.numAttentionHeads() * hd, h),
                    matrix(a + "k_proj.weight", cfg.numKeyValueHeads() * hd, h),
                    matrix(a + "v_proj.weight", cfg.numKeyValueHeads() * hd, h),
                    matrix(a + "o_proj.weight", h, cfg.numAttentionHeads() * hd),
                    vector(a + "q_norm.weight", hd),
                    vector(a + "k_norm.weight", hd));
        }
        MoeWeights moe = null;
        MlpWeights mlp = null;
        if (moeLayer) {
            String m = p + "mlp.";
            MlpWeights[] experts = new MlpWeights[cfg.numExperts()];
            for (int e = 0; e < experts.length; e++) {
                experts[e] = mlp(m + "experts." + e + ".", cfg.moeIntermediateSize());
            }
            boolean shared = cfg.sharedExpertIntermediateSize() > 0;
            moe = new MoeWeights(
                    f32Matrix(m + "gate.weight", cfg.numExperts(), h),
                    experts,
                    shared ? mlp(m + "shared_expert.", cfg.sharedExpertIntermediateSize()) : null,
                    shared ? tensor(m + "shared_expert_gate.weight", 1, h) : null);
        } else {
            mlp = mlp(p + "mlp.", cfg.intermediateSize());
        }
        return new LayerWeights(inNorm, postNorm, linear, attn, moe, mlp);
    }

    private MlpWeights mlp(String p, int inter) {
        int h = cfg.hiddenSize();
        return new MlpWeights(
                matrix(p + "gate_proj.weight", inter, h),
                matrix(p + "up_proj.weight", inter, h),
                matrix(p + "down_proj.weight", h, inter));
    }

    // ---- checking and converting one tensor ----

    /** Checks presence, dtype and shape; returns the info or null (problem recorded). */
    private TensorInfo check(Kind kind, String name, long... shape) {
        if (listed != null) {
            listed.add(new TensorSpec(name, shape, kind));
            return null;
        }
        TensorInfo t = ckpt.info(name);
        if (t == null) {
            problems.add(ckpt.dir() + ": missing tensor '" + name + "' (expected shape " + Arrays.toString(shape) + hint() + ")");
            return null;
        }
        WeightFormat pre = prequantized(t);
        if (pre != null) {
            long expected = kind == Kind.MATRIX && shape.length == 2 ? quantizedBytes(pre, (int) shape[0], (int) shape[1]) : -1;
            if (expected < 0 || t.rank() != 1 || t.dim(0) != expected) {
                problems.add(t.file() + ": tensor '" + name + "' holds " + t.byteSize() + " bytes of " + pre.cliName()
                        + " data, expected " + (expected < 0 ? "a plain tensor" : expected + " bytes for " + Arrays.toString(shape)));
                return null;
            }
            if (dryRun) {
                totalBytes += t.byteSize();
            }
            return t;
        }
        if (!t.dtype().isSupportedWeight()) {
            problems.add(t.file() + ": tensor '" + name + "' has dtype " + t.dtype() + ", expected one of F32, BF16, F16, F8_E4M3");
            return null;
        }
        if (!Arrays.equals(t.shape(), shape)) {
            problems.add(t.file() + ": tensor '" + name + "' has shape " + t.shapeString() + ", expected "
                    + Arrays.toString(shape) + hint());
            return null;
        }
        if (t.dtype() == DType.F8_E4M3) {
            int[] block = cfg.fp8BlockSize();
            if (block == null) {
                problems.add(t.file() + ": tensor '" + name + "' is F8_E4M3 but config.json has no quantization_config.weight_block_size");
                return null;
            }
            long rows = shape.length >= 2 ? shape[0] : 1;
            long cols = shape.length >= 2 ? t.numel() / Math.max(1, rows) : t.numel();
            long[] sShape = {(rows + block[0] - 1) / block[0], (cols + block[1] - 1) / block[1]};
            TensorInfo s = ckpt.info(name + "_scale_inv");
            if (s == null) {
                problems.add(t.file() + ": F8_E4M3 tensor '" + name + "' has no '" + name + "_scale_inv' (expected F32 " + Arrays.toString(sShape) + ")");
                return null;
            }
            if (!Arrays.equals(s.shape(), sShape) || !(s.dtype() == DType.F32 || s.dtype() == DType.BF16 || s.dtype() == DType.F16)) {
                problems.add(s.file() + ": tensor '" + s.name() + "' is " + s.dtype() + s.shapeString() + ", expected F32 "
                        + Arrays.toString(sShape) + " (blocks of " + block[0] + "×" + block[1] + ")");
                return null;
            }
        }
        if (dryRun) {
            totalBytes += t.byteSize();
        }
        return t;
    }

    private String hint() {
        List<String> d = cfg.defaultedKeys();
        return d.isEmpty() ? "" : "; config.json did not set " + String.join(", ", d) + ", defaults were used";
    }

    private StoredTensor stored(TensorInfo t) {
        if (t.dtype() == DType.F8_E4M3) {
            int[] b = cfg.fp8BlockSize();
            return StoredTensor.fp8(ckpt, t, ckpt.info(t.name() + "_scale_inv"), b[0], b[1]);
        }
        return StoredTensor.of(ckpt, t);
    }

    private void done(TensorInfo t) {
        doneBytes += t.byteSize();
        listener.progress(doneBytes, totalBytes, t.name());
    }

    private float[] vector(String name, int n) {
        return tensor(name, n);
    }

    private float[] tensor(String name, long... shape) {
        TensorInfo t = check(Kind.VECTOR, name, shape);
        if (dryRun || t == null) {
            return null;
        }
        float[] v = stored(t).readAll();
        release(t);
        done(t);
        return v;
    }

    /** Embedding: kept as stored when f32/bf16 (rows are looked up, never multiplied), else widened to f32. */
    private Matrix embedding(String name, int rows, int cols) {
        TensorInfo t = check(Kind.EMBEDDING, name, rows, cols);
        if (dryRun || t == null) {
            return null;
        }
        Matrix m = switch (t.dtype()) {
            case F32 -> new F32Matrix(ckpt.data(t), rows, cols);
            case BF16 -> new BF16Matrix(ckpt.data(t), rows, cols);
            default -> convert(t, rows, cols, WeightFormat.F32);
        };
        done(t);
        return m;
    }

    /** A small matrix kept in f32 whatever the compute format (the router). */
    private Matrix f32Matrix(String name, int rows, int cols) {
        TensorInfo t = check(Kind.F32_MATRIX, name, rows, cols);
        if (dryRun || t == null) {
            return null;
        }
        Matrix m = t.dtype() == DType.F32 ? new F32Matrix(ckpt.data(t), rows, cols) : convert(t, rows, cols, WeightFormat.F32);
        done(t);
        return m;
    }

    private Matrix matrix(String name, int rows, int cols) {
        TensorInfo t = check(Kind.MATRIX, name, rows, cols);
        if (t == null) {
            return null;
        }
        WeightFormat stored = prequantized(t) != null ? prequantized(t)
                : t.dtype() == DType.F32 ? WeightFormat.F32 : t.dtype() == DType.BF16 ? WeightFormat.BF16 : null;
        WeightFormat target = format != null ? format : stored == WeightFormat.BF16 || prequantized(t) != null ? stored : WeightFormat.F32;
        boolean inPlace = target == stored;
        if (dryRun) {
            convertedBytes += inPlace ? 0 : (long) Math.ceil((double) rows * cols * target.matrixFormat().bytesPerElement());
            return null;
        }
        Matrix m = inPlace ? inPlace(t, stored, rows, cols) : convert(t, rows, cols, target);
        quantised |= m.format() == dev.nextinfer.kernels.MatrixFormat.Q8_0 || m.format() == dev.nextinfer.kernels.MatrixFormat.Q4_0;
        done(t);
        return m;
    }

    /** Converts row by row into {@code target} (bounded extra memory: one row of f32). */
    /** The stored bytes used as they are (a zero-copy view of the mapping). */
    private Matrix inPlace(TensorInfo t, WeightFormat f, int rows, int cols) {
        MemorySegment data = ckpt.data(t);
        return switch (f) {
            case F32 -> new F32Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
        };
    }

    /**
     * The format of a tensor written by {@code quantize}: U8 bytes in a file whose metadata names the layout
     * ({@value #PREQUANTIZED_KEY}); null for ordinary tensors.
     */
    private WeightFormat prequantized(TensorInfo t) {
        if (t.dtype() != DType.U8) {
            return null;
        }
        String f = ckpt.metadataOf(t).get(PREQUANTIZED_KEY);
        WeightFormat w = f == null ? null : WeightFormat.parse(f);
        return w == WeightFormat.Q8_0 || w == WeightFormat.Q4_0 ? w : null;
    }

    /** Metadata key naming the compute format of the U8 tensors of a file written by {@code quantize}. */
    public static final String PREQUANTIZED_KEY = "nextinfer.weights";

    /** Bytes of a quantised matrix's layout. */
    public static long quantizedBytes(WeightFormat f, int rows, int cols) {
        if (cols % 32 != 0) {
            return -1;
        }
        return f == WeightFormat.Q8_0 ? Q8_0Matrix.byteSize(rows, cols) : Q4_0Matrix.byteSize(rows, cols);
    }

    private Matrix convert(TensorInfo t, int rows, int cols, WeightFormat target) {
        if ((target == WeightFormat.Q8_0 || target == WeightFormat.Q4_0) && cols % 32 != 0) {
            return blockFallback(t, rows, cols, target);
        }
        WeightFormat pre = prequantized(t);
        RowSource src = pre != null ? inPlace(t, pre, rows, cols)::row : stored(t)::readRow;
        MemorySegment seg = switch (target) {
            case F32 -> arena.allocate((long) rows * cols * 4, 64);
            case BF16 -> arena.allocate((long) rows * cols * 2, 64);
            case Q8_0 -> Q8_0Matrix.allocate(arena, rows, cols);
            case Q4_0 -> Q4_0Matrix.allocate(arena, rows, cols);
        };
        forEachRow(rows, cols, (r, row) -> {
            src.readRow(r, row, 0);
            switch (target) {
                case F32 -> MemorySegment.copy(row, 0, seg, LE_FLOAT, (long) r * cols * 4, cols);
                case BF16 -> {
                    long base = (long) r * cols * 2;
                    for (int c = 0; c < cols; c++) {
                        seg.set(LE_SHORT, base + 2L * c, BF16Matrix.fromFloat(row[c]));
                    }
                }
                case Q8_0 -> Q8_0Matrix.quantizeRow(row, 0, seg, rows, cols, r);
                case Q4_0 -> Q4_0Matrix.quantizeRow(row, 0, seg, rows, cols, r);
            }
        });
        release(t);
        return switch (target) {
            case F32 -> new F32Matrix(seg, rows, cols);
            case BF16 -> new BF16Matrix(seg, rows, cols);
            case Q8_0 -> new Q8_0Matrix(seg, rows, cols);
            case Q4_0 -> new Q4_0Matrix(seg, rows, cols);
        };
    }

    /** Rows of a tensor as f32. */
    private interface RowSource {
        void readRow(int row, float[] dst, int off);
    }

    /** Work on one row, given a scratch buffer of {@code cols} floats owned by the calling thread. */
    private interface RowTask {
        void run(int row, float[] scratch);
    }

    /** Runs {@code task} for every row, split over the load threads (rows are independent). */
    private void forEachRow(int rows, int cols, RowTask task) {
        int chunk = Math.max(16, rows / (threads * 8));
        int chunks = (rows + chunk - 1) / chunk;
        Runnable work = () -> java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> {
            float[] scratch = new float[cols];
            for (int r = c * chunk; r < Math.min(rows, (c + 1) * chunk); r++) {
                task.run(r, scratch);
            }
        });
        if (threads <= 1 || chunks == 1) {
            float[] scratch = new float[cols];
            for (int r = 0; r < rows; r++) {
                task.run(r, scratch);
            }
            return;
        }
        try {
            loadPool().submit(work).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new dev.nextinfer.core.NextInferException("interrupted while converting weights", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private java.util.concurrent.ForkJoinPool loadPool;

    private java.util.concurrent.ForkJoinPool loadPool() {
        if (loadPool == null) {
            loadPool = new java.util.concurrent.ForkJoinPool(threads);
        }
        return loadPool;
    }

    /**
     * Drops a converted tensor's source pages from this process's memory (the file stays in the page cache), so
     * that resident memory holds the compute-format weights, not also the stored ones they came from.
     */
    private void release(TensorInfo t) {
        unload(ckpt.data(t));
        TensorInfo scale = ckpt.info(t.name() + "_scale_inv");
        if (scale != null && t.dtype() == DType.F8_E4M3) {
            unload(ckpt.data(scale));
        }
    }

    private static void unload(MemorySegment s) {
        if (s.isMapped()) {
            s.unload();
        }
    }

    /**
     * Q8_0/Q4_0 store rows in blocks of 32 values. Every matrix of the real Qwen3-Next configs has a column count
     * that is a multiple of 32, but small test models may not: such a matrix stays as stored (f32/bf16 in place,
     * f16/fp8 widened to f32), and the first one is reported once per load.
     */
    private Matrix blockFallback(TensorInfo t, int rows, int cols, WeightFormat target) {
        if (!blockFallbackReported) {
            blockFallbackReported = true;
            System.getLogger(WeightLoader.class.getName()).log(System.Logger.Level.INFO,
                    target.cliName() + " needs a column count that is a multiple of 32; '" + t.name() + "' [" + rows + ", "
                            + cols + "] and any other such matrix stay as stored");
        }
        return switch (t.dtype()) {
            case F32 -> new F32Matrix(ckpt.data(t), rows, cols);
            case BF16 -> new BF16Matrix(ckpt.data(t), rows, cols);
            default -> convert(t, rows, cols, WeightFormat.F32);
        };
    }
}
