package dev.nextinfer.tools.synth;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shapes of the random-weight checkpoints {@link Synthesizer} writes. Each preset is the official
 * Qwen3-Next-80B-A3B {@code config.json} with some keys overridden.
 */
public enum SynthPreset {
    /** Seconds to run: hidden 256, 4 layers (one full attention), 16 experts, the real 151,936-token vocabulary. */
    TINY(Map.ofEntries(
            Map.entry("hidden_size", 256),
            Map.entry("intermediate_size", 512),
            Map.entry("num_hidden_layers", 4),
            Map.entry("num_attention_heads", 4),
            Map.entry("num_key_value_heads", 2),
            Map.entry("head_dim", 64),
            Map.entry("linear_num_key_heads", 4),
            Map.entry("linear_num_value_heads", 8),
            Map.entry("linear_key_head_dim", 64),
            Map.entry("linear_value_head_dim", 64),
            Map.entry("num_experts", 16),
            Map.entry("num_experts_per_tok", 4),
            Map.entry("moe_intermediate_size", 128),
            Map.entry("shared_expert_intermediate_size", 128))),
    /** The real per-layer shapes of Qwen3-Next-80B-A3B with 32 experts instead of 512 (~7B parameters). */
    A3B_E32(Map.of("num_experts", 32)),
    /**
     * The full Qwen3-Next-80B-A3B shapes, 512 experts included, in 4 layers instead of 48 (3 Gated DeltaNet, 1 full
     * attention, as in every 4 of the real model) plus the MTP block (~8.7B parameters): a twelfth of the real model's
     * layers, for measuring what the real expert count does to speed (routing, batching, prefill per expert).
     */
    A3B_L4(Map.of("num_hidden_layers", 4)),
    /** The full Qwen3-Next-80B-A3B shapes (~80B parameters). */
    A3B(Map.of());

    private final Map<String, Object> overrides;

    SynthPreset(Map<String, Object> overrides) {
        this.overrides = new LinkedHashMap<>(overrides);
    }

    /** Config keys that differ from the official release. */
    public Map<String, Object> overrides() {
        return overrides;
    }

    /** The CLI name: {@code tiny}, {@code a3b-e32}, {@code a3b}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Parses a CLI name; null if unknown. */
    public static SynthPreset parse(String s) {
        for (SynthPreset p : values()) {
            if (p.cliName().equalsIgnoreCase(s)) {
                return p;
            }
        }
        return null;
    }
}
