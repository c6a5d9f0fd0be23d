package dev.nextinfer.core.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code config.json} into a {@link Qwen3NextConfig}: defaults as transformers' {@code Qwen3NextConfig},
 * {@code rope_theta}/{@code partial_rotary_factor} at top level or inside {@code rope_parameters}, layer types
 * from {@code layer_types} or {@code full_attention_interval}. Every error names the file and the field.
 */
public final class ConfigParser {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final String source;
    private final JsonNode root;
    private final List<String> defaulted = new ArrayList<>();

    private ConfigParser(String source, JsonNode root) {
        this.source = source;
        this.root = root;
    }

    /** Reads {@code dir/config.json}, or the file itself if {@code path} is a file. */
    public static Qwen3NextConfig read(Path path) {
        if (!Files.exists(path)) {
            throw new ConfigException(path + ": not found (expected a checkpoint folder holding config.json)");
        }
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file + ": not found (a Hugging Face checkpoint folder has a config.json)");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Most layers accepted (the real model has 48): larger is a hostile or broken file, refused before use. */
    public static final int MAX_LAYERS = 4096;
    /** Largest hidden or intermediate width, head dimension or head count accepted. */
    public static final int MAX_WIDTH = 1 << 20;
    /** Largest vocabulary accepted. */
    public static final int MAX_VOCAB = 1 << 24;
    /** Most experts accepted. */
    public static final int MAX_EXPERTS = 1 << 16;

    /** Parses config JSON text; {@code source} names it in errors. */
    public static Qwen3NextConfig parse(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new ConfigException(source + ": not valid JSON: " + oneLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(source + ": expected a JSON object at the top level");
        }
        return new ConfigParser(source, root).build();
    }

    private Qwen3NextConfig build() {
        String modelType = string("model_type", "qwen3_next");
        if (!modelType.equals("qwen3_next")) {
            throw error("model_type", "expected \"qwen3_next\", got \"" + modelType + "\"");
        }
        String act = string("hidden_act", "silu");
        if (!act.equals("silu")) {
            throw error("hidden_act", "only \"silu\" is supported, got \"" + act + "\"");
        }
        if (bool("attention_bias", false)) {
            throw error("attention_bias", "attention biases are not supported by Qwen3-Next (expected false)");
        }
        int layers = positiveInt("num_hidden_layers", 48, MAX_LAYERS);
        JsonNode ropeParams = root.get("rope_parameters");
        if (ropeParams != null && !ropeParams.isNull() && !ropeParams.isObject()) {
            throw error("rope_parameters", "expected an object, got " + describe(ropeParams));
        }
        double theta = number(ropeParams, "rope_parameters.rope_theta", "rope_theta", 10000.0);
        double partial = number(ropeParams, "rope_parameters.partial_rotary_factor", "partial_rotary_factor", 0.25);
        int headDim = positiveInt("head_dim", 256, MAX_WIDTH);
        int heads = positiveInt("num_attention_heads", 16, MAX_WIDTH);
        int kvHeads = positiveInt("num_key_value_heads", 2, MAX_WIDTH);
        if (heads % kvHeads != 0) {
            throw error("num_key_value_heads", "must divide num_attention_heads (" + heads + "), got " + kvHeads);
        }
        if (!(partial > 0 && partial <= 1)) {
            throw error("partial_rotary_factor", "expected a number in (0, 1], got " + partial);
        }
        int rotary = (int) (headDim * partial);
        if (rotary % 2 != 0 || rotary == 0) {
            throw error("partial_rotary_factor", "head_dim × partial_rotary_factor = " + rotary + " must be a positive even number");
        }
        if (!(theta > 0)) {
            throw error("rope_theta", "expected a positive number, got " + theta);
        }
        int nk = positiveInt("linear_num_key_heads", 16, MAX_WIDTH);
        int nv = positiveInt("linear_num_value_heads", 32, MAX_WIDTH);
        if (nv % nk != 0) {
            throw error("linear_num_value_heads", "must be a multiple of linear_num_key_heads (" + nk + "), got " + nv);
        }
        int experts = nonNegativeInt("num_experts", 512, MAX_EXPERTS);
        int topK = positiveInt("num_experts_per_tok", 10, MAX_EXPERTS);
        if (experts > 0 && topK > experts) {
            throw error("num_experts_per_tok", "must be ≤ num_experts (" + experts + "), got " + topK);
        }
        double eps = number(null, null, "rms_norm_eps", 1e-6);
        if (!(eps > 0)) {
            throw error("rms_norm_eps", "expected a positive number, got " + eps);
        }
        return new Qwen3NextConfig(
                positiveInt("vocab_size", 151936, MAX_VOCAB),
                positiveInt("hidden_size", 2048, MAX_WIDTH),
                positiveInt("intermediate_size", 5632, MAX_WIDTH),
                layers,
                heads,
                kvHeads,
                headDim,
                positiveInt("max_position_embeddings", 32768),
                eps,
                bool("tie_word_embeddings", false),
                theta,
                partial,
                ropeScaling(ropeParams),
                positiveInt("linear_conv_kernel_dim", 4, MAX_WIDTH),
                positiveInt("linear_key_head_dim", 128, MAX_WIDTH),
                positiveInt("linear_value_head_dim", 128, MAX_WIDTH),
                nk,
                nv,
                positiveInt("decoder_sparse_step", 1),
                positiveInt("moe_intermediate_size", 512, MAX_WIDTH),
                nonNegativeInt("shared_expert_intermediate_size", 512, MAX_WIDTH),
                topK,
                experts,
                bool("norm_topk_prob", true),
                mlpOnlyLayers(layers),
                layerTypes(layers),
                optionalInt("bos_token_id", -1),
                eosIds(),
                fp8BlockSize(),
                defaulted);
    }

    private RopeScaling ropeScaling(JsonNode ropeParams) {
        JsonNode rs = root.get("rope_scaling");
        String field = "rope_scaling";
        if ((rs == null || rs.isNull()) && ropeParams != null && ropeParams.has("rope_type")) {
            rs = ropeParams;
            field = "rope_parameters";
        }
        if (rs == null || rs.isNull()) {
            return null;
        }
        if (!rs.isObject()) {
            throw error(field, "expected an object or null, got " + describe(rs));
        }
        JsonNode typeNode = rs.has("rope_type") ? rs.get("rope_type") : rs.get("type");
        String type = typeNode == null || typeNode.isNull() ? "default" : typeNode.asText();
        if (type.equals("default")) {
            return null;
        }
        if (!type.equals("yarn")) {
            throw error(field + ".rope_type", "only \"default\" and \"yarn\" are supported, got \"" + type + "\"");
        }
        double factor = subNumber(rs, field, "factor", Double.NaN);
        if (!(factor >= 1)) {
            throw error(field + ".factor", "expected a number ≥ 1, got " + factor);
        }
        double originalField = subNumber(rs, field, "original_max_position_embeddings",
                positiveInt("max_position_embeddings", 32768));
        if (!(originalField >= 1 && originalField <= Integer.MAX_VALUE)) {
            throw error(field + ".original_max_position_embeddings", "expected a positive integer, got " + originalField);
        }
        int original = (int) originalField;
        return new RopeScaling(factor, original,
                subNumber(rs, field, "beta_fast", 32),
                subNumber(rs, field, "beta_slow", 1),
                subNumber(rs, field, "attention_factor", Double.NaN),
                !rs.has("truncate") || rs.get("truncate").asBoolean(true));
    }

    private double subNumber(JsonNode obj, String objField, String key, double dflt) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw error(objField + "." + key, "expected a number, got " + describe(n));
        }
        return n.asDouble();
    }

    private List<Integer> mlpOnlyLayers(int layers) {
        JsonNode n = root.get("mlp_only_layers");
        List<Integer> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw error("mlp_only_layers", "expected a list of layer indices, got " + describe(n));
        }
        for (JsonNode e : n) {
            if (!e.isIntegralNumber() || e.asInt() < 0 || e.asInt() >= layers) {
                throw error("mlp_only_layers", "expected layer indices in [0, " + layers + "), got " + describe(e));
            }
            out.add(e.asInt());
        }
        return out;
    }

    private List<LayerType> layerTypes(int layers) {
        JsonNode n = root.get("layer_types");
        List<LayerType> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            int interval = positiveInt("full_attention_interval", 4);
            for (int i = 0; i < layers; i++) {
                out.add((i + 1) % interval != 0 ? LayerType.LINEAR_ATTENTION : LayerType.FULL_ATTENTION);
            }
            return out;
        }
        if (!n.isArray() || n.size() != layers) {
            throw error("layer_types", "expected a list of " + layers + " strings (num_hidden_layers), got " + describe(n));
        }
        for (int i = 0; i < layers; i++) {
            LayerType t = n.get(i).isTextual() ? LayerType.fromJson(n.get(i).asText()) : null;
            if (t == null) {
                throw error("layer_types[" + i + "]", "expected \"linear_attention\" or \"full_attention\", got " + describe(n.get(i)));
            }
            out.add(t);
        }
        return out;
    }

    private List<Integer> eosIds() {
        JsonNode n = root.get("eos_token_id");
        List<Integer> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (n.isIntegralNumber()) {
            out.add(n.asInt());
            return out;
        }
        if (n.isArray()) {
            for (JsonNode e : n) {
                if (!e.isIntegralNumber()) {
                    throw error("eos_token_id", "expected an integer or a list of integers, got " + describe(n));
                }
                out.add(e.asInt());
            }
            return out;
        }
        throw error("eos_token_id", "expected an integer or a list of integers, got " + describe(n));
    }

    private int[] fp8BlockSize() {
        JsonNode q = root.get("quantization_config");
        if (q == null || q.isNull()) {
            return null;
        }
        if (!q.isObject()) {
            throw error("quantization_config", "expected an object, got " + describe(q));
        }
        JsonNode method = q.get("quant_method");
        if (method == null || !method.isTextual() || !method.asText().equals("fp8")) {
            throw error("quantization_config.quant_method", "only \"fp8\" checkpoints are supported, got " + describe(method));
        }
        JsonNode fmt = q.get("fmt");
        if (fmt != null && !fmt.isNull() && !fmt.asText().equals("e4m3")) {
            throw error("quantization_config.fmt", "only \"e4m3\" is supported, got " + describe(fmt));
        }
        JsonNode b = q.get("weight_block_size");
        if (b == null || b.isNull()) {
            throw error("quantization_config.weight_block_size", "missing (expected [rows, cols], e.g. [128, 128])");
        }
        if (!b.isArray() || b.size() != 2 || !b.get(0).isIntegralNumber() || !b.get(1).isIntegralNumber()
                || b.get(0).asInt() <= 0 || b.get(1).asInt() <= 0) {
            throw error("quantization_config.weight_block_size", "expected two positive integers [rows, cols], got " + describe(b));
        }
        return new int[] {b.get(0).asInt(), b.get(1).asInt()};
    }

    // ---- typed field access ----

    private int positiveInt(String key, int dflt) {
        return positiveInt(key, dflt, Integer.MAX_VALUE);
    }

    private int positiveInt(String key, int dflt, int max) {
        int v = intField(key, dflt);
        if (v <= 0) {
            throw error(key, "expected a positive integer, got " + v);
        }
        if (v > max) {
            throw error(key, v + " is implausibly large (at most " + max + " is accepted)");
        }
        return v;
    }

    private int nonNegativeInt(String key, int dflt, int max) {
        int v = intField(key, dflt);
        if (v < 0) {
            throw error(key, "expected a non-negative integer, got " + v);
        }
        if (v > max) {
            throw error(key, v + " is implausibly large (at most " + max + " is accepted)");
        }
        return v;
    }

    private int optionalInt(String key, int dflt) {
        return intField(key, dflt);
    }

    private int intField(String key, int dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (!key.endsWith("_token_id") && !defaulted.contains(key)) {
                defaulted.add(key);
            }
            return dflt;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) {
            throw error(key, "expected an integer, got " + describe(n));
        }
        return n.asInt();
    }

    private double number(JsonNode nested, String nestedName, String key, double dflt) {
        JsonNode n = root.get(key);
        String name = key;
        if ((n == null || n.isNull()) && nested != null && nested.has(key)) {
            n = nested.get(key);
            name = nestedName;
        }
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isNumber()) {
            throw error(name, "expected a number, got " + describe(n));
        }
        return n.asDouble();
    }

    private boolean bool(String key, boolean dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isBoolean()) {
            throw error(key, "expected true or false, got " + describe(n));
        }
        return n.asBoolean();
    }

    private String string(String key, String dflt) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            return dflt;
        }
        if (!n.isTextual()) {
            throw error(key, "expected a string, got " + describe(n));
        }
        return n.asText();
    }

    private ConfigException error(String field, String what) {
        return new ConfigException(source + ": field '" + field + "': " + what);
    }

    private static String describe(JsonNode n) {
        if (n == null || n.isNull()) {
            return "null";
        }
        String kind = n.isTextual() ? "string" : n.isBoolean() ? "boolean" : n.isNumber() ? "number"
                : n.isArray() ? "list" : n.isObject() ? "object" : n.getNodeType().toString().toLowerCase();
        String text = n.toString();
        if (text.length() > 60) {
            text = text.substring(0, 57) + "...";
        }
        return kind + " " + text;
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }
}
