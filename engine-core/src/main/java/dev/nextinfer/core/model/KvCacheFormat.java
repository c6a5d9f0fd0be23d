package dev.nextinfer.core.model;

import java.util.Locale;

/** Element format of cached keys and values. */
public enum KvCacheFormat {
    /** binary32: exact (the golden logits hold to 4e-5). */
    F32(4),
    /** binary16: half the memory and bandwidth; moves logits by up to ~3e-3 on the fixtures. */
    F16(2);

    private final int bytes;

    KvCacheFormat(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per cached element. */
    public int bytes() {
        return bytes;
    }

    /** The CLI spelling. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code f32}/{@code f16}; null if unknown. */
    public static KvCacheFormat parse(String s) {
        for (KvCacheFormat f : values()) {
            if (f.cliName().equalsIgnoreCase(s)) {
                return f;
            }
        }
        return null;
    }
}
