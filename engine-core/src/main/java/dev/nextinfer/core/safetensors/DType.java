package dev.nextinfer.core.safetensors;

/** Element types of the safetensors format, with their sizes in bytes. */
public enum DType {
    /** binary64. */
    F64(8),
    /** binary32. */
    F32(4),
    /** binary16. */
    F16(2),
    /** bfloat16. */
    BF16(2),
    /** float8 e4m3fn (bias 7, no infinities, max 448). */
    F8_E4M3(1),
    /** float8 e5m2. */
    F8_E5M2(1),
    /** 64-bit signed integer. */
    I64(8),
    /** 32-bit signed integer. */
    I32(4),
    /** 16-bit signed integer. */
    I16(2),
    /** 8-bit signed integer. */
    I8(1),
    /** 64-bit unsigned integer. */
    U64(8),
    /** 32-bit unsigned integer. */
    U32(4),
    /** 16-bit unsigned integer. */
    U16(2),
    /** 8-bit unsigned integer. */
    U8(1),
    /** boolean, one byte. */
    BOOL(1);

    private final int size;

    DType(int size) {
        this.size = size;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** Whether the engine can read weights of this type (F32, BF16, F16, F8_E4M3 with scales). */
    public boolean isSupportedWeight() {
        return this == F32 || this == BF16 || this == F16 || this == F8_E4M3;
    }

    /** The dtype named {@code s} in a header, or null if unknown. */
    public static DType parse(String s) {
        for (DType d : values()) {
            if (d.name().equals(s)) {
                return d;
            }
        }
        return null;
    }
}
