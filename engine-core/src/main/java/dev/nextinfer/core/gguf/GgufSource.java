package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.SourceTensor;
import dev.nextinfer.core.checkpoint.TensorSource;
import dev.nextinfer.core.config.Qwen3NextConfig;
import java.util.ArrayList;
import java.util.List;
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
            GgufNames.Entry g = GgufNames.byModel(GgufNames.GLOBAL, name);
            return g == null ? null : g.gguf();
        }
        Matcher e = EXPERT.matcher(p[1]);
        if (e.matches()) {
            return p[0] + "ffn_" + e.group(2) + "_exps.weight";
        }
        if (p[1].equals("linear_attn.in_proj_qkvz.weight")) {
            return model.tensor(p[0] + "ssm_in.weight") != null ? p[0] + "ssm_in.weight" : p[0] + "attn_qkv.weight";
        }
        GgufNames.Entry entry = entry(name, p[1]);
        return entry == null ? null : p[0] + entry.gguf();
    }

    /** The table entry of a block or MTP tensor. */
    private static GgufNames.Entry entry(String name, String suffix) {
        boolean mtpHead = name.startsWith("mtp.") && !name.startsWith("mtp.layers.");
        return GgufNames.byModel(mtpHead ? GgufNames.MTP : GgufNames.BLOCK, suffix);
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
        GgufNames.Entry entry = p == null ? GgufNames.byModel(GgufNames.GLOBAL, name) : entry(name, suffix);
        GgufTensorView v = GgufTensorView.of(model, name, t);
        return entry == null || entry.transform() == GgufNames.Transform.NONE ? v : v.transformed(entry.transform().read);
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
