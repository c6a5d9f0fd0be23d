package dev.nextinfer.core.weights;

import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.kernels.Matrix;
import java.util.ArrayList;
import java.util.List;

/**
 * The tensors a config implies, written once: {@link #walk} visits every tensor of the model in load order, by its
 * Hugging Face name and shape, and assembles {@link ModelWeights} from what a {@link Resolver} returns for each.
 * Listing, checking and loading are resolvers ({@link #list}, {@link WeightCheck}, {@link WeightLoading}), so the
 * three can never disagree about which tensors a checkpoint must have.
 */
public final class TensorPlan {

    /** What a tensor is used as, which decides its compute format. */
    public enum Kind {
        /** A large matrix held in the compute format ({@code --weights}, or as stored). */
        MATRIX,
        /** A matrix always held in f32 (the MoE router). */
        F32_MATRIX,
        /** The embedding table: rows looked up, kept as stored. */
        EMBEDDING,
        /** A small parameter read into a {@code float[]} (norms, conv taps, A_log, dt_bias, gates). */
        VECTOR
    }

    /**
     * A tensor a config implies.
     *
     * @param name  Hugging Face name
     * @param shape Hugging Face shape, outermost first
     * @param kind  what it is used as
     */
    public record TensorSpec(String name, long[] shape, Kind kind) {
        /** Rows of the {@code [rows, cols]} view (1 for vectors). */
        public int rows() {
            long r = 1;
            for (int i = 0; i < shape.length - 1; i++) {
                r *= shape[i];
            }
            return Math.toIntExact(r);
        }

        /** Columns of the {@code [rows, cols]} view: the last dimension. */
        public int cols() {
            return Math.toIntExact(shape[shape.length - 1]);
        }
    }

    /** What happens to each tensor of the plan. */
    public interface Resolver {
        /** A tensor of kind MATRIX, F32_MATRIX or EMBEDDING. */
        Matrix matrix(TensorSpec spec);

        /** A tensor of kind VECTOR. */
        float[] vector(TensorSpec spec);

        /** Whether an optional tensor is present ({@code lm_head.weight} of a tied model, MTP parts). */
        boolean has(String name);

        /** Whether the checkpoint has an MTP head to load. */
        boolean hasMtp();
    }

    private final Qwen3NextConfig cfg;
    private final Resolver r;

    private TensorPlan(Qwen3NextConfig cfg, Resolver r) {
        this.cfg = cfg;
        this.r = r;
    }

    /** Visits every tensor {@code cfg} implies and assembles the weights from what {@code resolver} returns. */
    public static ModelWeights walk(Qwen3NextConfig cfg, Resolver resolver) {
        return new TensorPlan(cfg, resolver).model();
    }

    /** Every tensor a checkpoint of this config holds, in load order; the MTP head's if asked. */
    public static List<TensorSpec> list(Qwen3NextConfig cfg, boolean withMtp) {
        List<TensorSpec> out = new ArrayList<>();
        walk(cfg, new Resolver() {
            @Override
            public Matrix matrix(TensorSpec spec) {
                out.add(spec);
                return null;
            }

            @Override
            public float[] vector(TensorSpec spec) {
                out.add(spec);
                return null;
            }

            @Override
            public boolean has(String name) {
                return false;
            }

            @Override
            public boolean hasMtp() {
                return withMtp;
            }
        });
        return List.copyOf(out);
    }

    private ModelWeights model() {
        int h = cfg.hiddenSize();
        Matrix embed = r.matrix(new TensorSpec("model.embed_tokens.weight", new long[] {cfg.vocabSize(), h}, Kind.EMBEDDING));
        LayerWeights[] layers = new LayerWeights[cfg.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = layer("model.layers." + i + ".", cfg.layerType(i), cfg.isMoeLayer(i));
        }
        float[] norm = vector("model.norm.weight", h);
        Matrix lmHead = cfg.tieWordEmbeddings() && !r.has("lm_head.weight") ? embed : matrix("lm_head.weight", cfg.vocabSize(), h);
        MtpWeights mtp = null;
        if (r.hasMtp()) {
            String p = "mtp.";
            boolean mtpMoe = r.has("mtp.layers.0.mlp.gate.weight") || cfg.isMoeLayer(0);
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
                    r.vector(new TensorSpec(a + "conv1d.weight", new long[] {cfg.linearConvDim(), 1, cfg.linearConvKernelDim()}, Kind.VECTOR)),
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
                    r.matrix(new TensorSpec(m + "gate.weight", new long[] {cfg.numExperts(), h}, Kind.F32_MATRIX)),
                    experts,
                    shared ? mlp(m + "shared_expert.", cfg.sharedExpertIntermediateSize()) : null,
                    shared ? r.vector(new TensorSpec(m + "shared_expert_gate.weight", new long[] {1, h}, Kind.VECTOR)) : null);
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

    private Matrix matrix(String name, int rows, int cols) {
        return r.matrix(new TensorSpec(name, new long[] {rows, cols}, Kind.MATRIX));
    }

    private float[] vector(String name, int n) {
        return r.vector(new TensorSpec(name, new long[] {n}, Kind.VECTOR));
    }
}
