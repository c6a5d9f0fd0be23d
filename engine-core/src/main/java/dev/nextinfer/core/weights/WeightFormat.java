package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.MatrixFormat;
import java.util.Locale;

/**
 * The format the large matrices are kept in for compute ({@code --weights}). Norms, the router, gates, conv and
 * DeltaNet parameters are always f32; embeddings are looked up row by row.
 */
public enum WeightFormat {
    /** binary32; exact for f32 and bf16 checkpoints. */
    F32(MatrixFormat.F32),
    /** bfloat16; used in place (no copy) for bf16 checkpoints. */
    BF16(MatrixFormat.BF16),
    /** 8-bit blocks of 32 with an f16 scale (llama.cpp Q8_0), quantised at load. */
    Q8_0(MatrixFormat.Q8_0),
    /** 4-bit blocks of 32 with an f16 scale (llama.cpp Q4_0), quantised at load. */
    Q4_0(MatrixFormat.Q4_0);

    private final MatrixFormat matrixFormat;

    WeightFormat(MatrixFormat matrixFormat) {
        this.matrixFormat = matrixFormat;
    }

    /** The kernel-level format. */
    public MatrixFormat matrixFormat() {
        return matrixFormat;
    }

    /** The CLI spelling: {@code f32}, {@code bf16}, {@code q8_0}, {@code q4_0}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses the CLI spelling (case-insensitive); null if unknown. */
    public static WeightFormat parse(String s) {
        for (WeightFormat f : values()) {
            if (f.cliName().equalsIgnoreCase(s)) {
                return f;
            }
        }
        return null;
    }
}
