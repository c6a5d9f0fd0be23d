package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.core.config.Qwen3NextConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code qwen3next} GGUF model as a {@link TensorSource}: every Hugging Face tensor name is mapped to the GGUF
 * tensor (or the part of one) llama.cpp's converter wrote it to, for both published layouts — the current one
 * ({@code attn_qkv} + {@code attn_gate}) and the one of files made before January 2026 ({@code ssm_in}) — and the
 * values the converter changed are changed back: norms stored as {@code 1 + w} (all but {@code ssm_norm}) give
 * {@code w}, {@code ssm_a = −exp(A_log)} gives {@code A_log}. 3-D expert tensors ({@code ffn_*_exps}, or a merged
 * {@code ffn_gate_up_exps}) give one matrix per expert as a slice. The MTP head is block {@code n_layer}
 * ({@code blk.N.nextn.*} plus that block's attention and MoE tensors).
 */
public final class GgufSource implements TensorSource {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.(\\d+)\\.(.+)");
    private static final Pattern EXPERT = Pattern.compile("mlp\\.experts\\.(\\d+)\\.(gate|up|down)_proj\\.weight");
    private static final DoubleUnaryOperator MINUS_ONE = v -> v - 1.0;
    private static final DoubleUnaryOperator A_LOG = a -> Math.log(-a);

    private final GgufModel model;
    private final Qwen3NextConfig cfg;
    private final int mtpBlock;

    /** A source over {@code model} (closed with this source) whose architecture is {@code cfg}. */
    public GgufSource(GgufModel model, Qwen3NextConfig cfg) {
        this.model = model;
        this.cfg = cfg;
        this.mtpBlock = cfg.numHiddenLayers();
    }

    /** The ggml types nextinfer computes with, for messages. */
    static String supportedTypes() {
        List<String> s = new ArrayList<>();
        for (GgmlType t : GgmlType.values()) {
            if (t.format() != null) {
                s.add(t.name());
            }
        }
        return String.join(", ", s);
    }

    /** The GGUF model. */
    public GgufModel model() {
        return model;
    }

    @Override
    public String location() {
        return model.path().toString();
    }

    @Override
    public boolean hasMtp() {
        return GgufConfig.mtpLayers(model) > 0 && model.tensor("blk." + mtpBlock + ".nextn.eh_proj.weight") != null;
    }

    @Override
    public String describeMissing(String name) {
        String g = ggufName(name);
        return g == null ? "no GGUF tensor for '" + name + "'" : "missing tensor '" + g + "' (the model's '" + name + "')";
    }

    /** The GGUF tensor name a model tensor is read from (the first of several), or null when it has none. */
    private String ggufName(String name) {
        String[] p = blockAndSuffix(name);
        if (p == null) {
            return switch (name) {
                case "model.embed_tokens.weight" -> "token_embd.weight";
                case "lm_head.weight" -> "output.weight";
                case "model.norm.weight" -> "output_norm.weight";
                default -> null;
            };
        }
        String blk = p[0];
        String s = p[1];
        Matcher e = EXPERT.matcher(s);
        if (e.matches()) {
            return blk + "ffn_" + e.group(2) + "_exps.weight";
        }
        return switch (s) {
            case "input_layernorm.weight" -> blk + "attn_norm.weight";
            case "post_attention_layernorm.weight" -> blk + "post_attention_norm.weight";
            case "linear_attn.in_proj_qkvz.weight" -> model.tensor(blk + "ssm_in.weight") != null ? blk + "ssm_in.weight" : blk + "attn_qkv.weight";
            case "linear_attn.in_proj_ba.weight" -> blk + "ssm_ba.weight";
            case "linear_attn.conv1d.weight" -> blk + "ssm_conv1d.weight";
            case "linear_attn.A_log" -> blk + "ssm_a";
            case "linear_attn.dt_bias" -> blk + "ssm_dt.bias";
            case "linear_attn.norm.weight" -> blk + "ssm_norm.weight";
            case "linear_attn.out_proj.weight" -> blk + "ssm_out.weight";
            case "self_attn.q_proj.weight" -> blk + "attn_q.weight";
            case "self_attn.k_proj.weight" -> blk + "attn_k.weight";
            case "self_attn.v_proj.weight" -> blk + "attn_v.weight";
            case "self_attn.o_proj.weight" -> blk + "attn_output.weight";
            case "self_attn.q_norm.weight" -> blk + "attn_q_norm.weight";
            case "self_attn.k_norm.weight" -> blk + "attn_k_norm.weight";
            case "mlp.gate.weight" -> blk + "ffn_gate_inp.weight";
            case "mlp.shared_expert.gate_proj.weight" -> blk + "ffn_gate_shexp.weight";
            case "mlp.shared_expert.up_proj.weight" -> blk + "ffn_up_shexp.weight";
            case "mlp.shared_expert.down_proj.weight" -> blk + "ffn_down_shexp.weight";
            case "mlp.shared_expert_gate.weight" -> blk + "ffn_gate_inp_shexp.weight";
            case "mlp.gate_proj.weight" -> blk + "ffn_gate.weight";
            case "mlp.up_proj.weight" -> blk + "ffn_up.weight";
            case "mlp.down_proj.weight" -> blk + "ffn_down.weight";
            case "pre_fc_norm_embedding.weight" -> blk + "nextn.enorm.weight";
            case "pre_fc_norm_hidden.weight" -> blk + "nextn.hnorm.weight";
            case "fc.weight" -> blk + "nextn.eh_proj.weight";
            case "norm.weight" -> blk + "nextn.shared_head_norm.weight";
            default -> null;
        };
    }

    /** {@code [blk.N., rest]} for a layer or MTP tensor name, else null. */
    private String[] blockAndSuffix(String name) {
        Matcher m = LAYER.matcher(name);
        if (m.matches()) {
            return new String[] {"blk." + m.group(1) + ".", m.group(2)};
        }
        if (name.startsWith("mtp.layers.0.")) {
            return new String[] {"blk." + mtpBlock + ".", name.substring("mtp.layers.0.".length())};
        }
        if (name.startsWith("mtp.") && !name.startsWith("mtp.layers.")) {
            return new String[] {"blk." + mtpBlock + ".", name.substring("mtp.".length())};
        }
        return null;
    }

    @Override
    public SourceTensor tensor(String name) {
        String g = ggufName(name);
        if (g == null) {
            return null;
        }
        String[] p = blockAndSuffix(name);
        String suffix = p == null ? name : p[1];
        Matcher e = EXPERT.matcher(suffix);
        if (e.matches()) {
            return expert(name, p[0], Integer.parseInt(e.group(1)), e.group(2));
        }
        if (suffix.equals("linear_attn.in_proj_qkvz.weight") && g.endsWith("attn_qkv.weight")) {
            GgufTensorInfo qkv = model.tensor(g);
            GgufTensorInfo gate = model.tensor(p[0] + "attn_gate.weight");
            if (qkv == null || gate == null) {
                return null;
            }
            return GgufGatheredRows.qkvz(name, GgufTensorView.of(model, name, qkv), GgufTensorView.of(model, name, gate),
                    cfg.linearNumKeyHeads(), cfg.linearKeyHeadDim(), cfg.linearNumValueHeads(), cfg.linearValueHeadDim());
        }
        GgufTensorInfo t = model.tensor(g);
        if (t == null) {
            return suffix.startsWith("self_attn.") && suffix.endsWith("_proj.weight") ? fusedAttention(name, p[0], suffix) : null;
        }
        GgufTensorView v = GgufTensorView.of(model, name, t);
        if (suffix.equals("linear_attn.A_log")) {
            return v.transformed(A_LOG);
        }
        boolean onePlusW = (suffix.endsWith("norm.weight") && !suffix.equals("linear_attn.norm.weight"))
                || suffix.startsWith("pre_fc_norm_");
        return onePlusW ? v.transformed(MINUS_ONE) : v;
    }

    /** Expert {@code e}'s gate/up/down matrix: a slice of the 3-D tensor (or of the merged gate/up one). */
    private SourceTensor expert(String name, String blk, int e, String which) {
        GgufTensorInfo t = model.tensor(blk + "ffn_" + which + "_exps.weight");
        boolean merged = false;
        if (t == null && !which.equals("down")) {
            t = model.tensor(blk + "ffn_gate_up_exps.weight");
            merged = true;
        }
        if (t == null || t.rank() != 3 || e >= t.ne(2)) {
            return null;
        }
        long perExpert = t.ne(1);
        GgufTensorView v = GgufTensorView.of(model, name, t).rows(e * perExpert, perExpert);
        if (merged) { // each expert's rows are its gate rows, then its up rows
            long half = perExpert / 2;
            return v.rows(which.equals("gate") ? 0 : half, half);
        }
        return v;
    }

    /** q/k/v of an attention layer stored as one {@code attn_qkv} tensor: a row range of it. */
    private SourceTensor fusedAttention(String name, String blk, String suffix) {
        GgufTensorInfo t = model.tensor(blk + "attn_qkv.weight");
        if (t == null) {
            return null;
        }
        long q = 2L * cfg.numAttentionHeads() * cfg.headDim();
        long kv = (long) cfg.numKeyValueHeads() * cfg.headDim();
        GgufTensorView v = GgufTensorView.of(model, name, t);
        return switch (suffix) {
            case "self_attn.q_proj.weight" -> v.rows(0, Math.min(q, t.rowCount()));
            case "self_attn.k_proj.weight" -> t.rowCount() >= q + kv ? v.rows(q, kv) : null;
            case "self_attn.v_proj.weight" -> t.rowCount() >= q + 2 * kv ? v.rows(q + kv, kv) : null;
            default -> null;
        };
    }

    @Override
    public void close() {
        model.close();
    }
}
