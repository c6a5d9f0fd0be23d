package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.config.RopeScaling;
import java.util.ArrayList;
import java.util.List;

/**
 * The architecture of a {@code qwen3next} GGUF file, from its {@code qwen3next.*} keys, as the same
 * {@link Qwen3NextConfig} a {@code config.json} gives. What GGUF does not store is what llama.cpp assumes:
 * top-k routing weights are renormalised, layer i is full attention when {@code (i + 1) % interval == 0}
 * (interval 4 when {@code full_attention_interval} is absent) unless {@code attention.recurrent_layers} says
 * otherwise, and the MTP block is the last of {@code block_count} blocks ({@code nextn_predict_layers}).
 */
public final class GgufConfig {
    /** The architecture name this engine runs. */
    public static final String ARCHITECTURE = "qwen3next";

    private final GgufModel m;
    private final String a = ARCHITECTURE + ".";

    private GgufConfig(GgufModel m) {
        this.m = m;
    }

    /** The config of {@code model}; fails naming the key when one is missing, wrongly typed or out of range. */
    public static Qwen3NextConfig read(GgufModel model) {
        return new GgufConfig(model).build();
    }

    /** Fails unless {@code general.architecture} is {@value #ARCHITECTURE}. */
    public static void checkArchitecture(GgufModel model) {
        String arch = model.string("general.architecture");
        if (!arch.equals(ARCHITECTURE)) {
            throw new CheckpointException(model.path() + ": general.architecture is '" + arch + "', expected '" + ARCHITECTURE
                    + "' (nextinfer runs Qwen3-Next models only)");
        }
    }

    /** Number of MTP blocks ({@code nextn_predict_layers}, 0 when absent). */
    public static int mtpLayers(GgufModel model) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(0, model.integer(ARCHITECTURE + ".nextn_predict_layers", 0)));
    }

    private Qwen3NextConfig build() {
        checkArchitecture(m);
        int blocks = positive("block_count");
        int mtp = mtpLayers(m);
        if (mtp >= blocks) {
            throw error("nextn_predict_layers", "is " + mtp + ", expected fewer than block_count (" + blocks + ")");
        }
        int layers = blocks - mtp;
        int hidden = positive("embedding_length");
        int heads = positive("attention.head_count");
        int kvHeads = positive("attention.head_count_kv");
        if (heads % kvHeads != 0) {
            throw error("attention.head_count_kv", "is " + kvHeads + ", expected a divisor of attention.head_count (" + heads + ")");
        }
        int headDim = positive("attention.key_length");
        if (m.has(a + "attention.value_length") && positive("attention.value_length") != headDim) {
            throw error("attention.value_length", "is " + positive("attention.value_length") + ", expected attention.key_length ("
                    + headDim + ")");
        }
        int rotary = positive("rope.dimension_count");
        if (rotary > headDim || rotary % 2 != 0) {
            throw error("rope.dimension_count", "is " + rotary + ", expected an even number ≤ attention.key_length (" + headDim + ")");
        }
        int nk = positive("ssm.group_count");
        int nv = positive("ssm.time_step_rank");
        if (nv % nk != 0) {
            throw error("ssm.time_step_rank", "is " + nv + ", expected a multiple of ssm.group_count (" + nk + ")");
        }
        int dk = positive("ssm.state_size");
        int inner = positive("ssm.inner_size");
        if (inner % nv != 0) {
            throw error("ssm.inner_size", "is " + inner + ", expected a multiple of ssm.time_step_rank (" + nv + ")");
        }
        int experts = positive("expert_count");
        int topK = positive("expert_used_count");
        if (topK > experts) {
            throw error("expert_used_count", "is " + topK + ", expected at most expert_count (" + experts + ")");
        }
        double eps = m.number(a + "attention.layer_norm_rms_epsilon");
        if (!(eps > 0)) {
            throw error("attention.layer_norm_rms_epsilon", "is " + eps + ", expected a positive number");
        }
        double theta = m.number(a + "rope.freq_base", 10000.0);
        if (!(theta > 0)) {
            throw error("rope.freq_base", "is " + theta + ", expected a positive number");
        }
        int context = positive("context_length");
        int vocab = vocabSize();
        return new Qwen3NextConfig(
                vocab,
                hidden,
                optionalPositive("feed_forward_length", positive("expert_feed_forward_length")),
                layers,
                heads,
                kvHeads,
                headDim,
                context,
                eps,
                m.tensor("output.weight") == null && m.tensor("token_embd.weight") != null,
                theta,
                (double) rotary / headDim,
                ropeScaling(context),
                positive("ssm.conv_kernel"),
                dk,
                inner / nv,
                nk,
                nv,
                1,
                positive("expert_feed_forward_length"),
                optionalPositive("expert_shared_feed_forward_length", 0),
                topK,
                experts,
                true,
                List.of(),
                layerTypes(layers, blocks),
                (int) m.integer("tokenizer.ggml.bos_token_id", -1),
                m.has("tokenizer.ggml.eos_token_id") ? List.of((int) m.integer("tokenizer.ggml.eos_token_id")) : List.of(),
                null,
                List.of());
    }

    /** Rows of the embedding: its tensor's, else the vocabulary's size. */
    private int vocabSize() {
        GgufTensorInfo embd = m.tensor("token_embd.weight");
        if (embd != null && embd.rank() == 2) {
            return (int) Math.min(Integer.MAX_VALUE, embd.ne(1));
        }
        if (m.has(a + "vocab_size")) {
            return positive("vocab_size");
        }
        if (m.has("tokenizer.ggml.tokens")) {
            return m.array("tokenizer.ggml.tokens", GgufValueType.STRING).length();
        }
        throw new CheckpointException(m.path() + ": no token_embd.weight tensor and no vocabulary: cannot tell the vocabulary size");
    }

    private List<LayerType> layerTypes(int layers, int blocks) {
        List<LayerType> out = new ArrayList<>(layers);
        String key = a + "attention.recurrent_layers";
        if (m.has(key)) {
            GgufValue.Array arr = m.array(key, GgufValueType.BOOL, GgufValueType.UINT8, GgufValueType.INT8, GgufValueType.INT32,
                    GgufValueType.UINT32);
            if (arr.length() != blocks && arr.length() != layers) {
                throw error("attention.recurrent_layers", "has " + arr.length() + " entries, expected block_count (" + blocks + ")");
            }
            for (int i = 0; i < layers; i++) {
                boolean recurrent = arr.values() instanceof boolean[] b ? b[i] : ((long[]) arr.values())[i] != 0;
                out.add(recurrent ? LayerType.LINEAR_ATTENTION : LayerType.FULL_ATTENTION);
            }
            return out;
        }
        long interval = m.integer(a + "full_attention_interval", 4);
        if (interval < 1) {
            throw error("full_attention_interval", "is " + interval + ", expected ≥ 1");
        }
        for (int i = 0; i < layers; i++) {
            out.add((i + 1) % interval == 0 ? LayerType.FULL_ATTENTION : LayerType.LINEAR_ATTENTION);
        }
        return out;
    }

    private RopeScaling ropeScaling(int context) {
        String type = m.has(a + "rope.scaling.type") ? m.string(a + "rope.scaling.type") : "none";
        if (type.equals("none") || type.equals("linear") && m.number(a + "rope.scaling.factor", 1.0) == 1.0) {
            return null;
        }
        if (!type.equals("yarn")) {
            throw error("rope.scaling.type", "is '" + type + "', expected 'none' or 'yarn'");
        }
        double factor = m.number(a + "rope.scaling.factor");
        if (!(factor >= 1)) {
            throw error("rope.scaling.factor", "is " + factor + ", expected a number ≥ 1");
        }
        int original = (int) Math.min(Integer.MAX_VALUE, m.integer(a + "rope.scaling.original_context_length", context));
        return new RopeScaling(factor, original,
                m.number(a + "rope.scaling.yarn_beta_fast", 32),
                m.number(a + "rope.scaling.yarn_beta_slow", 1),
                m.has(a + "rope.scaling.attn_factor") ? m.number(a + "rope.scaling.attn_factor") : Double.NaN,
                true);
    }

    private int positive(String key) {
        long v = m.integer(a + key);
        if (v < 1 || v > Integer.MAX_VALUE) {
            throw error(key, "is " + v + ", expected a positive integer");
        }
        return (int) v;
    }

    private int optionalPositive(String key, int dflt) {
        return m.has(a + key) ? positive(key) : dflt;
    }

    private CheckpointException error(String key, String what) {
        return new CheckpointException(m.path() + ": metadata key '" + a + key + "' " + what);
    }
}
