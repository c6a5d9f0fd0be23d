package dev.nextinfer.core.gguf;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.core.weights.TensorPlan;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes any loadable model (a safetensors folder or another GGUF) as a {@code qwen3next} GGUF file in llama.cpp's
 * current layout: the tensor names and value changes of {@link GgufNames}, per-expert matrices stacked into 3-D
 * {@code ffn_*_exps} tensors, {@code in_proj_qkvz} split into {@code attn_qkv} (q, k, v of all heads) and
 * {@code attn_gate} (z), the {@code qwen3next.*} hyper-parameters and the tokenizer. Types follow a
 * {@link GgufRecipe}; a tensor already stored in its target type is copied byte for byte, any other is decoded
 * row by row and encoded with the type's reference quantiser, on the thread pool, one tensor at a time.
 */
public final class GgufExport {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern EXPERT = Pattern.compile("mlp\\.experts\\.(\\d+)\\.(gate|up|down)_proj\\.weight");

    /** Rows {@code [first, first + count)} of a source tensor, written next in an output tensor. */
    private record Run(SourceTensor src, int first, int count) {
    }

    /** One GGUF tensor to write. */
    private record Out(String name, long[] ne, GgmlType type, List<Run> runs, GgufNames.Transform transform) {
        int cols() {
            return (int) ne[0];
        }
    }

    private final Qwen3NextConfig cfg;
    private final TensorSource src;
    private final GgufRecipe recipe;
    private final boolean mtp;
    private final Map<String, Out> outs = new LinkedHashMap<>();

    private GgufExport(Qwen3NextConfig cfg, TensorSource src, GgufRecipe recipe, boolean withMtp) {
        this.cfg = cfg;
        this.src = src;
        this.recipe = recipe;
        this.mtp = withMtp && src.hasMtp();
    }

    /**
     * Writes {@code src} (architecture {@code cfg}) to {@code out} with {@code recipe}'s types and the given
     * tokenizer metadata ({@code tokenizer.*} keys).
     */
    public static void write(Qwen3NextConfig cfg, TensorSource src, Map<String, GgufValue> tokenizer, GgufRecipe recipe, Path out,
                             ThreadPool pool, LoadListener listener) throws IOException {
        write(cfg, src, tokenizer, recipe, true, out, pool, listener);
    }

    /**
     * As {@link #write(Qwen3NextConfig, TensorSource, Map, GgufRecipe, Path, ThreadPool, LoadListener)}; with
     * {@code withMtp} false the MTP head is left out (no {@code nextn} block, {@code block_count} = the decoder
     * layers), as llama.cpp's converter does: ik_llama.cpp, for one, does not load qwen3next files with that block.
     */
    public static void write(Qwen3NextConfig cfg, TensorSource src, Map<String, GgufValue> tokenizer, GgufRecipe recipe,
                             boolean withMtp, Path out, ThreadPool pool, LoadListener listener) throws IOException {
        checkRepresentable(cfg);
        GgufExport e = new GgufExport(cfg, src, recipe, withMtp);
        e.plan();
        GgufWriter w = new GgufWriter();
        e.metadata(w);
        tokenizer.forEach(w::put);
        long total = 0;
        for (Out o : e.outs.values()) {
            w.addTensor(o.name(), o.ne(), o.type());
            total += o.type().blockBytes() * (elements(o.ne()) / o.type().blockValues());
        }
        long[] done = {0};
        long all = total;
        w.write(out, (name, dst) -> {
            Out o = e.outs.get(name);
            fill(o, dst, pool);
            done[0] += dst.byteSize();
            listener.progress(done[0], all, name);
        });
    }

    /** GGUF (as llama.cpp reads it) cannot say everything a config.json can: refuse what it cannot. */
    private static void checkRepresentable(Qwen3NextConfig cfg) {
        if (!cfg.normTopkProb()) {
            throw new NextInferException("GGUF cannot store norm_topk_prob = false (llama.cpp always renormalises the top-k weights)");
        }
        int interval = interval(cfg);
        if (interval < 1) {
            throw new NextInferException("GGUF export needs every full_attention_interval-th layer to be full attention, but layer_types is "
                    + cfg.layerTypes());
        }
    }

    /** The full-attention interval the layer types follow, or −1 when they follow none. */
    static int interval(Qwen3NextConfig cfg) {
        int n = cfg.numHiddenLayers();
        for (int k = 1; k <= n + 1; k++) {
            boolean ok = true;
            for (int i = 0; i < n && ok; i++) {
                ok = (cfg.layerType(i) == LayerType.FULL_ATTENTION) == ((i + 1) % k == 0);
            }
            if (ok) {
                return k;
            }
        }
        return -1;
    }

    private static long elements(long[] ne) {
        long n = 1;
        for (long d : ne) {
            n *= d;
        }
        return n;
    }

    // ---- which GGUF tensors, from which rows

    private void plan() {
        for (TensorPlan.TensorSpec spec : TensorPlan.list(cfg, mtp)) {
            SourceTensor t = src.tensor(spec.name());
            if (t == null) {
                throw new NextInferException(src.location() + ": " + src.describeMissing(spec.name()));
            }
            String blk;
            String suffix;
            int layer;
            Matcher m = LAYER.matcher(spec.name());
            if (m.matches()) {
                layer = Integer.parseInt(m.group(1));
                blk = "blk." + layer + ".";
                suffix = m.group(2);
            } else if (spec.name().startsWith("mtp.")) {
                layer = cfg.numHiddenLayers();
                blk = "blk." + layer + ".";
                suffix = spec.name().substring(spec.name().startsWith("mtp.layers.0.") ? "mtp.layers.0.".length() : "mtp.".length());
            } else {
                GgufNames.Entry g = GgufNames.byModel(GgufNames.GLOBAL, spec.name());
                add(g.gguf(), -1, spec, t, g.transform());
                continue;
            }
            Matcher e = EXPERT.matcher(suffix);
            if (e.matches()) {
                expert(blk + "ffn_" + e.group(2) + "_exps.weight", layer, spec, t);
            } else if (suffix.equals("linear_attn.in_proj_qkvz.weight")) {
                qkvz(blk, layer, spec, t);
            } else {
                boolean mtpHead = spec.name().startsWith("mtp.") && !spec.name().startsWith("mtp.layers.");
                GgufNames.Entry g = GgufNames.byModel(mtpHead ? GgufNames.MTP : GgufNames.BLOCK, suffix);
                if (g == null) {
                    throw new IllegalStateException("no GGUF name for " + spec.name());
                }
                add(blk + g.gguf(), layer, spec, t, g.transform());
            }
        }
    }

    private boolean isMatrix(TensorPlan.TensorSpec spec) {
        return spec.kind() == TensorPlan.Kind.MATRIX || spec.kind() == TensorPlan.Kind.EMBEDDING;
    }

    private void add(String name, int layer, TensorPlan.TensorSpec spec, SourceTensor t, GgufNames.Transform transform) {
        // llama.cpp reverses the dimensions and squeezes only the conv taps' unit middle one
        long[] ne = spec.shape().length == 1 ? new long[] {spec.cols()} : new long[] {spec.cols(), spec.rows()};
        GgmlType type = recipe.typeOf(name, layer, cfg.numHiddenLayers(), spec.cols(), isMatrix(spec));
        outs.put(name, new Out(name, ne, type, new ArrayList<>(List.of(new Run(t, 0, spec.rows()))), transform));
    }

    private void expert(String name, int layer, TensorPlan.TensorSpec spec, SourceTensor t) {
        Out o = outs.get(name);
        if (o == null) {
            long[] ne = {spec.cols(), spec.rows(), cfg.numExperts()};
            o = new Out(name, ne, recipe.typeOf(name, layer, cfg.numHiddenLayers(), spec.cols(), true), new ArrayList<>(),
                    GgufNames.Transform.NONE);
            outs.put(name, o);
        }
        o.runs().add(new Run(t, 0, spec.rows())); // experts come in id order, so their rows stack in order
    }

    /** {@code in_proj_qkvz} (grouped per key head) → {@code attn_qkv} (q all, k all, v all) and {@code attn_gate} (z). */
    private void qkvz(String blk, int layer, TensorPlan.TensorSpec spec, SourceTensor t) {
        int nk = cfg.linearNumKeyHeads();
        int dk = cfg.linearKeyHeadDim();
        int nv = cfg.linearNumValueHeads();
        int dv = cfg.linearValueHeadDim();
        int r = nv / nk;
        int group = 2 * dk + 2 * r * dv;
        List<Run> qkv = new ArrayList<>();
        List<Run> gate = new ArrayList<>();
        for (int part = 0; part < 2; part++) { // q of every head, then k of every head
            for (int h = 0; h < nk; h++) {
                qkv.add(new Run(t, h * group + part * dk, dk));
            }
        }
        for (int h = 0; h < nk; h++) {
            qkv.add(new Run(t, h * group + 2 * dk, r * dv));
            gate.add(new Run(t, h * group + 2 * dk + r * dv, r * dv));
        }
        int h = spec.cols();
        String qkvName = blk + "attn_qkv.weight";
        String gateName = blk + "attn_gate.weight";
        outs.put(qkvName, new Out(qkvName, new long[] {h, 2L * nk * dk + (long) nv * dv},
                recipe.typeOf(qkvName, layer, cfg.numHiddenLayers(), h, true), qkv, GgufNames.Transform.NONE));
        outs.put(gateName, new Out(gateName, new long[] {h, (long) nv * dv},
                recipe.typeOf(gateName, layer, cfg.numHiddenLayers(), h, true), gate, GgufNames.Transform.NONE));
    }

    // ---- writing rows

    private static void fill(Out o, MemorySegment dst, ThreadPool pool) {
        MatrixFormat target = o.type().format();
        int cols = o.cols();
        long rowBytes = target.rowBytes(cols);
        long row0 = 0;
        for (Run run : o.runs()) {
            MemorySegment stored = run.src().bytes();
            long runBytes = rowBytes * run.count();
            if (stored != null && run.src().format() == target && o.transform() == GgufNames.Transform.NONE) {
                MemorySegment.copy(stored, rowBytes * run.first(), dst, rowBytes * row0, runBytes);
            } else {
                RowReader in = reader(run.src(), cols);
                long base = row0;
                pool.parallelFor(run.count(), Math.max(8, run.count() / (pool.threads() * 8)), (a, b) -> {
                    float[] row = new float[cols];
                    for (int i = a; i < b; i++) {
                        in.read(run.first() + i, row);
                        if (o.transform() != GgufNames.Transform.NONE) {
                            for (int c = 0; c < cols; c++) {
                                row[c] = (float) o.transform().write.applyAsDouble(row[c]);
                            }
                        }
                        target.encodeRow(row, 0, dst, (base + i) * rowBytes, cols);
                    }
                });
            }
            row0 += run.count();
        }
    }

    /** Rows of a source tensor as f32 (model values: transforms of the source undone). */
    private interface RowReader {
        void read(int row, float[] dst);
    }

    private static RowReader reader(SourceTensor t, int cols) {
        if (t.bytes() != null && t.format() != null) {
            Matrix m = t.matrix((int) (t.bytes().byteSize() / t.format().rowBytes(cols)), cols);
            return (r, dst) -> m.row(r, dst, 0);
        }
        return (r, dst) -> t.readRow(r, dst, 0);
    }

    // ---- metadata

    private void metadata(GgufWriter w) {
        String a = GgufConfig.ARCHITECTURE + ".";
        w.putString("general.architecture", GgufConfig.ARCHITECTURE);
        w.putString("general.name", "Qwen3-Next");
        w.putUint32("general.file_type", recipe.fileType());
        w.putUint32("general.quantization_version", 2);
        w.putUint32(a + "block_count", cfg.numHiddenLayers() + (mtp ? 1 : 0));
        w.putUint32(a + "context_length", cfg.maxPositionEmbeddings());
        w.putUint32(a + "embedding_length", cfg.hiddenSize());
        w.putUint32(a + "feed_forward_length", cfg.intermediateSize());
        w.putUint32(a + "attention.head_count", cfg.numAttentionHeads());
        w.putUint32(a + "attention.head_count_kv", cfg.numKeyValueHeads());
        w.putUint32(a + "attention.key_length", cfg.headDim());
        w.putUint32(a + "attention.value_length", cfg.headDim());
        w.putFloat32(a + "attention.layer_norm_rms_epsilon", cfg.rmsNormEps());
        w.putFloat32(a + "rope.freq_base", cfg.ropeTheta());
        w.putUint32(a + "rope.dimension_count", cfg.rotaryDim());
        w.putUint32(a + "expert_count", cfg.numExperts());
        w.putUint32(a + "expert_used_count", cfg.numExpertsPerTok());
        w.putUint32(a + "expert_feed_forward_length", cfg.moeIntermediateSize());
        w.putUint32(a + "expert_shared_feed_forward_length", cfg.sharedExpertIntermediateSize());
        w.putUint32(a + "ssm.conv_kernel", cfg.linearConvKernelDim());
        w.putUint32(a + "ssm.state_size", cfg.linearKeyHeadDim());
        w.putUint32(a + "ssm.group_count", cfg.linearNumKeyHeads());
        w.putUint32(a + "ssm.time_step_rank", cfg.linearNumValueHeads());
        w.putUint32(a + "ssm.inner_size", (long) cfg.linearNumValueHeads() * cfg.linearValueHeadDim());
        w.putUint32(a + "full_attention_interval", interval(cfg));
        if (mtp) {
            w.putUint32(a + "nextn_predict_layers", 1);
        }
        if (cfg.ropeScaling() != null) {
            w.putString(a + "rope.scaling.type", "yarn");
            w.putFloat32(a + "rope.scaling.factor", cfg.ropeScaling().factor());
            w.putUint32(a + "rope.scaling.original_context_length", cfg.ropeScaling().originalMaxPositionEmbeddings());
            w.putFloat32(a + "rope.scaling.yarn_beta_fast", cfg.ropeScaling().betaFast());
            w.putFloat32(a + "rope.scaling.yarn_beta_slow", cfg.ropeScaling().betaSlow());
        }
    }
}
