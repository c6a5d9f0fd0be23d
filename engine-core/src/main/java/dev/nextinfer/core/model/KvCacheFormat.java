package dev.nextinfer.core.model;

import dev.nextinfer.kernels.KvTileFormat;
import java.util.Locale;

/** Element format of cached keys and values (layouts: {@link KvTileFormat}). */
public enum KvCacheFormat {
    /** binary32: exact (the golden logits hold to 4e-5). */
    F32(KvTileFormat.F32),
    /** binary16: half the memory and bandwidth; moves logits by up to ~3e-3 on the fixtures. */
    F16(KvTileFormat.F16),
    /** llama.cpp's q8_0 along the head dimension (32 values + an f16 scale): 0.53× the bytes of f16. */
    Q8_0(KvTileFormat.Q8_0),
    /** llama.cpp's q4_0 along the head dimension (32 nibbles + an f16 scale): 0.28× the bytes of f16. */
    Q4_0(KvTileFormat.Q4_0);

    private final KvTileFormat tile;

    KvCacheFormat(KvTileFormat tile) {
        this.tile = tile;
    }

    /** The storage layout and kernels. */
    public KvTileFormat tile() {
        return tile;
    }

    /** Average bytes per cached element (scales included for the block formats). */
    public double bytesPerElement() {
        return tile.bytesPerValue();
    }

    /** Whether heads of width {@code headDim} can be stored (the block formats need a multiple of 32). */
    public boolean supportsHeadDim(int headDim) {
        return tile.supportsHeadDim(headDim);
    }

    /** The CLI spelling. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code f32}/{@code f16}/{@code q8_0}/{@code q4_0}; null if unknown. */
    public static KvCacheFormat parse(String s) {
        for (KvCacheFormat f : values()) {
            if (f.cliName().equalsIgnoreCase(s)) {
                return f;
            }
        }
        return null;
    }
}
