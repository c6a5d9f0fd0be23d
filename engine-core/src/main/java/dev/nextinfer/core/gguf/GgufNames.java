package dev.nextinfer.core.gguf;

import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * How llama.cpp's converter names and changes the tensors of a Qwen3-Next checkpoint in GGUF, one-to-one tensors
 * only (the per-expert matrices, stacked into 3-D {@code ffn_*_exps} tensors, and {@code in_proj_qkvz}, split into
 * {@code attn_qkv} + {@code attn_gate}, are composed by the reader and the writer themselves). Read by
 * {@link GgufSource} and written by {@link GgufExport}, so both directions share one table.
 */
final class GgufNames {

    /** A value change the converter applies, and its inverse. */
    enum Transform {
        /** Stored as is. */
        NONE(v -> v, v -> v),
        /** A zero-centred norm weight {@code w} stored as {@code 1 + w}. */
        ONE_PLUS(v -> v - 1.0, v -> 1.0 + v),
        /** {@code A_log} stored as {@code ssm_a = −exp(A_log)}. */
        MINUS_EXP(a -> Math.log(-a), v -> -Math.exp(v));

        /** GGUF value → model value. */
        final DoubleUnaryOperator read;
        /** Model value → GGUF value. */
        final DoubleUnaryOperator write;

        Transform(DoubleUnaryOperator read, DoubleUnaryOperator write) {
            this.read = read;
            this.write = write;
        }
    }

    /**
     * One tensor of a block (or of the whole model, for {@link #GLOBAL}).
     *
     * @param model     the model's name (suffix after {@code model.layers.N.} / {@code mtp.}, or the full name)
     * @param gguf      the GGUF name (suffix after {@code blk.N.}, or the full name)
     * @param transform the value change
     */
    record Entry(String model, String gguf, Transform transform) {
    }

    /** Tensors outside the blocks. */
    static final List<Entry> GLOBAL = List.of(
            new Entry("model.embed_tokens.weight", "token_embd.weight", Transform.NONE),
            new Entry("model.norm.weight", "output_norm.weight", Transform.ONE_PLUS),
            new Entry("lm_head.weight", "output.weight", Transform.NONE));

    /** Tensors of block N ({@code model.layers.N.} ↔ {@code blk.N.}); the MTP layer uses them too. */
    static final List<Entry> BLOCK = List.of(
            new Entry("input_layernorm.weight", "attn_norm.weight", Transform.ONE_PLUS),
            new Entry("post_attention_layernorm.weight", "post_attention_norm.weight", Transform.ONE_PLUS),
            new Entry("linear_attn.in_proj_ba.weight", "ssm_ba.weight", Transform.NONE),
            new Entry("linear_attn.conv1d.weight", "ssm_conv1d.weight", Transform.NONE),
            new Entry("linear_attn.A_log", "ssm_a", Transform.MINUS_EXP),
            new Entry("linear_attn.dt_bias", "ssm_dt.bias", Transform.NONE),
            new Entry("linear_attn.norm.weight", "ssm_norm.weight", Transform.NONE),
            new Entry("linear_attn.out_proj.weight", "ssm_out.weight", Transform.NONE),
            new Entry("self_attn.q_proj.weight", "attn_q.weight", Transform.NONE),
            new Entry("self_attn.k_proj.weight", "attn_k.weight", Transform.NONE),
            new Entry("self_attn.v_proj.weight", "attn_v.weight", Transform.NONE),
            new Entry("self_attn.o_proj.weight", "attn_output.weight", Transform.NONE),
            new Entry("self_attn.q_norm.weight", "attn_q_norm.weight", Transform.ONE_PLUS),
            new Entry("self_attn.k_norm.weight", "attn_k_norm.weight", Transform.ONE_PLUS),
            new Entry("mlp.gate.weight", "ffn_gate_inp.weight", Transform.NONE),
            new Entry("mlp.shared_expert.gate_proj.weight", "ffn_gate_shexp.weight", Transform.NONE),
            new Entry("mlp.shared_expert.up_proj.weight", "ffn_up_shexp.weight", Transform.NONE),
            new Entry("mlp.shared_expert.down_proj.weight", "ffn_down_shexp.weight", Transform.NONE),
            new Entry("mlp.shared_expert_gate.weight", "ffn_gate_inp_shexp.weight", Transform.NONE),
            new Entry("mlp.gate_proj.weight", "ffn_gate.weight", Transform.NONE),
            new Entry("mlp.up_proj.weight", "ffn_up.weight", Transform.NONE),
            new Entry("mlp.down_proj.weight", "ffn_down.weight", Transform.NONE));

    /** Tensors of the MTP head outside its decoder layer ({@code mtp.} ↔ {@code blk.N.}). */
    static final List<Entry> MTP = List.of(
            new Entry("pre_fc_norm_embedding.weight", "nextn.enorm.weight", Transform.ONE_PLUS),
            new Entry("pre_fc_norm_hidden.weight", "nextn.hnorm.weight", Transform.ONE_PLUS),
            new Entry("fc.weight", "nextn.eh_proj.weight", Transform.NONE),
            new Entry("norm.weight", "nextn.shared_head_norm.weight", Transform.ONE_PLUS));

    private GgufNames() {
    }

    /** The entry of {@code list} whose model name is {@code model}, or null. */
    static Entry byModel(List<Entry> list, String model) {
        for (Entry e : list) {
            if (e.model().equals(model)) {
                return e;
            }
        }
        return null;
    }
}
