package dev.nextinfer.core.gguf;

import dev.nextinfer.kernels.MatrixFormat;

/**
 * ggml's tensor element types as GGUF stores them (the id in a tensor info), with their block geometry, so that
 * every tensor's byte size can be checked whether or not nextinfer computes with its type, and the kernel format
 * of the types it does compute with.
 */
public enum GgmlType {
    F32(0, 1, 4, MatrixFormat.F32),
    F16(1, 1, 2, MatrixFormat.F16),
    Q4_0(2, 32, 18, MatrixFormat.Q4_0),
    Q4_1(3, 32, 20, MatrixFormat.Q4_1),
    Q5_0(6, 32, 22, MatrixFormat.Q5_0),
    Q5_1(7, 32, 24, MatrixFormat.Q5_1),
    Q8_0(8, 32, 34, MatrixFormat.Q8_0),
    Q8_1(9, 32, 36, null),
    Q2_K(10, 256, 84, MatrixFormat.Q2_K),
    Q3_K(11, 256, 110, MatrixFormat.Q3_K),
    Q4_K(12, 256, 144, MatrixFormat.Q4_K),
    Q5_K(13, 256, 176, MatrixFormat.Q5_K),
    Q6_K(14, 256, 210, MatrixFormat.Q6_K),
    Q8_K(15, 256, 292, null),
    IQ2_XXS(16, 256, 66, null),
    IQ2_XS(17, 256, 74, null),
    IQ3_XXS(18, 256, 98, null),
    IQ1_S(19, 256, 50, null),
    IQ4_NL(20, 32, 18, MatrixFormat.IQ4_NL),
    IQ3_S(21, 256, 110, null),
    IQ2_S(22, 256, 82, null),
    IQ4_XS(23, 256, 136, MatrixFormat.IQ4_XS),
    I8(24, 1, 1, null),
    I16(25, 1, 2, null),
    I32(26, 1, 4, null),
    I64(27, 1, 8, null),
    F64(28, 1, 8, null),
    IQ1_M(29, 256, 56, null),
    BF16(30, 1, 2, MatrixFormat.BF16),
    TQ1_0(34, 256, 54, null),
    TQ2_0(35, 256, 66, null),
    MXFP4(39, 32, 17, MatrixFormat.MXFP4),
    NVFP4(40, 64, 36, null),
    Q1_0(41, 128, 18, null),
    Q2_0(42, 64, 18, null);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final int blockValues;
    private final int blockBytes;
    private final MatrixFormat format;

    GgmlType(int id, int blockValues, int blockBytes, MatrixFormat format) {
        this.id = id;
        this.blockValues = blockValues;
        this.blockBytes = blockBytes;
        this.format = format;
    }

    /** The type of id {@code id}, or null for an id ggml does not define (or no longer supports). */
    public static GgmlType ofId(long id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** The type whose {@link MatrixFormat} is {@code f}. */
    public static GgmlType of(MatrixFormat f) {
        for (GgmlType t : values()) {
            if (t.format == f) {
                return t;
            }
        }
        throw new IllegalArgumentException("no ggml type for " + f);
    }

    /** The id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Values per block. */
    public int blockValues() {
        return blockValues;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** The kernel format, or null when nextinfer cannot compute with this type. */
    public MatrixFormat format() {
        return format;
    }
}
