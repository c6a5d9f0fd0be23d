package dev.nextinfer.core.gguf;

import java.util.Locale;

/**
 * Which ggml type each tensor of an exported GGUF gets, modelled on llama.cpp's {@code llama-quantize} recipes
 * without an importance matrix: 1-D tensors and the small f32 parameters (router, conv taps, {@code ssm_a},
 * {@code ssm_dt}) stay F32; matrices take the recipe's type. {@code Q4_K_M}/{@code Q5_K_M} keep more bits where
 * llama.cpp does: {@code output.weight} in Q6_K, and {@code ffn_down*} and {@code attn_v} in Q6_K in the layers
 * its {@code use_more_bits} rule picks (the first and last eighth and every third one between). A matrix whose
 * rows do not fit the type's blocks falls back to Q8_0, then F32.
 */
public enum GgufRecipe {
    F32(GgmlType.F32, 0),
    F16(GgmlType.F16, 1),
    BF16(GgmlType.BF16, 32),
    Q8_0(GgmlType.Q8_0, 7),
    Q4_0(GgmlType.Q4_0, 2),
    Q6_K(GgmlType.Q6_K, 18),
    Q5_K_M(GgmlType.Q5_K, 17),
    Q4_K_M(GgmlType.Q4_K, 15);

    private final GgmlType base;
    private final int fileType;

    GgufRecipe(GgmlType base, int fileType) {
        this.base = base;
        this.fileType = fileType;
    }

    /** Parses {@code q4_k_m} etc. (case-insensitive); null when unknown. */
    public static GgufRecipe parse(String s) {
        for (GgufRecipe r : values()) {
            if (r.name().equalsIgnoreCase(s)) {
                return r;
            }
        }
        return null;
    }

    /** The lower-case name, as the CLI spells it. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** llama.cpp's {@code general.file_type} value of the recipe. */
    int fileType() {
        return fileType;
    }

    /** The main type of the recipe. */
    public GgmlType base() {
        return base;
    }

    /**
     * The type of GGUF tensor {@code name} (block {@code layer} of {@code layers}, −1 outside the blocks) with rows
     * of {@code rowLength} values; {@code matrix} is false for vectors and the small parameters kept in f32.
     */
    GgmlType typeOf(String name, int layer, int layers, long rowLength, boolean matrix) {
        if (!matrix) {
            return GgmlType.F32;
        }
        GgmlType t = base;
        if (this == Q4_K_M || this == Q5_K_M) {
            boolean sensitive = name.contains("ffn_down") || name.endsWith("attn_v.weight");
            if (name.equals("output.weight") || sensitive && layer >= 0 && useMoreBits(layer, layers)) {
                t = GgmlType.Q6_K;
            }
        }
        if (rowLength % t.blockValues() != 0) {
            t = rowLength % GgmlType.Q8_0.blockValues() == 0 && base.blockValues() > 1 ? GgmlType.Q8_0 : GgmlType.F32;
        }
        return t;
    }

    private static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }
}
