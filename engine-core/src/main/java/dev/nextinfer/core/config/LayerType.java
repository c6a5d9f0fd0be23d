package dev.nextinfer.core.config;

/** The token mixer of a decoder layer. */
public enum LayerType {
    /** Gated DeltaNet ({@code linear_attn.*}). */
    LINEAR_ATTENTION("linear_attention"),
    /** Gated softmax attention with a KV cache ({@code self_attn.*}). */
    FULL_ATTENTION("full_attention");

    private final String jsonName;

    LayerType(String jsonName) {
        this.jsonName = jsonName;
    }

    /** The name used in {@code config.json}'s {@code layer_types}. */
    public String jsonName() {
        return jsonName;
    }

    /** Parses a {@code layer_types} entry; {@code null} if unknown. */
    static LayerType fromJson(String s) {
        for (LayerType t : values()) {
            if (t.jsonName.equals(s)) {
                return t;
            }
        }
        return null;
    }
}
