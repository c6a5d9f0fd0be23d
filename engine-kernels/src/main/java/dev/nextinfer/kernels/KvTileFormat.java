package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Blocks.QK;
import static dev.nextinfer.kernels.Simd.BL;
import static dev.nextinfer.kernels.Simd.FB;
import static dev.nextinfer.kernels.Simd.FB_LANES;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Locale;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Storage of cached keys and values in tiles of {@link #POSITIONS} positions of one kv head, in off-heap memory,
 * and the kernels that write one position into a tile and decode a tile to f32 for {@link GqaAttention}.
 *
 * <p>A tile has a key region and a value region ({@link #keyBytes}, {@link #valueBytes}), each a whole number of
 * 64-byte lines. Keys are stored <em>transposed</em> ({@code [d][slot]}), the layout of the attention kernel's score
 * tile, so decoding keys is a straight vector pass. Values are stored {@code [slot][d]}. With
 * {@code P = POSITIONS}, {@code hd} the head width and {@code nb = hd / 32}:
 *
 * <pre>
 *   F32    keys   f32 k[d][j] at 4·(d·P + j)                 values f32 v[j][d] at 4·(j·hd + d)
 *   F16    keys   f16 k[d][j] at 2·((j/32)·hd·32 + d·32 + j%32)  values f16 v[j][d] at 2·((d/32)·P·32 + j·32 + d%32)
 *   Q8_0   keys   int8 q[d][j] at d·P + j,                   values int8 q[j][d] at j·hd + d,
 *                 f16 scale s[b][j] at hd·P + 2·(b·P + j)           f16 scale s[j][b] at hd·P + 2·(j·nb + b)
 *   Q4_0   keys   byte (d, j mod 32) at d·32 + j mod 32: low  values 16 bytes per block at 16·(j·nb + b): byte i holds
 *                 nibble for j &lt; 32, high nibble for j ≥ 32;         value 32b+i (low nibble) and 32b+i+16 (high);
 *                 f16 scale s[b][j] at hd·P/2 + 2·(b·P + j)          f16 scale s[j][b] at hd·P/2 + 2·(j·nb + b)
 * </pre>
 *
 * f16 keeps runs of 32 (positions of a key, components of a value) together, so that {@link F16Tiles}, which reads
 * f16 tiles in place for a decode step, walks each region front to back one 64-byte line per step: the hardware
 * prefetcher then streams the cache ahead of the FMAs (with the keys in plain {@code [d][slot]} rows its reads strode
 * 128 bytes apart, and the same kernel ran 1.7× slower from memory). A value region holds {@code ⌈hd/32⌉} runs,
 * padded.
 *
 * <p>The block formats quantise each position's key and value in blocks of 32 consecutive values along the head
 * dimension, as llama.cpp does for its quantised KV cache ({@code quantize_row_q8_0_ref} /
 * {@code quantize_row_q4_0_ref}: same scales, same quants, value {@code q·s} or {@code (q − 8)·s}); only the order
 * of the bytes differs, so that a key tile decodes with aligned vector loads of 16 positions and one scale vector
 * per 32 rows. Multi-byte values are little-endian. f16 stores clamp to ±65504 and map NaN to 0 ({@link Fp16}).
 *
 * <p>Not thread-safe for writes to one tile; decoding is read-only.
 */
public enum KvTileFormat {
    /** binary32: exact. */
    F32 {
        @Override
        public void decodeKeys(MemorySegment tile, long off, int hd, float[] dst) {
            MemorySegment.copy(tile, LE_FLOAT, off, dst, 0, hd * P);
        }

        @Override
        public void decodeValues(MemorySegment tile, long off, int hd, int s0, int n, float[] dst) {
            MemorySegment.copy(tile, LE_FLOAT, off + 4L * s0 * hd, dst, 0, n * hd);
        }
    },
    /** binary16: half the bytes of f32. */
    F16 {
        @Override
        public void decodeKeys(MemorySegment tile, long off, int hd, float[] dst) {
            for (int c = 0; c < P; c += RUN) {
                for (int d = 0; d < hd; d++) {
                    long at = off + 2L * (c * hd + d * RUN);
                    for (int i = 0; i < RUN; i += FB_LANES) { // RUN (32) is a multiple of FB_LANES (4, 8 or 16)
                        F16Tiles.widen(tile, at + 2L * i).intoArray(dst, d * P + c + i);
                    }
                }
            }
        }

        @Override
        public void decodeValues(MemorySegment tile, long off, int hd, int s0, int n, float[] dst) {
            for (int c = 0; c < hd; c += RUN) {
                int width = Math.min(RUN, hd - c);
                int vectors = width - width % FB_LANES;
                for (int i = 0; i < n; i++) {
                    long at = off + 2L * (c * P + (s0 + i) * RUN);
                    for (int e = 0; e < vectors; e += FB_LANES) {
                        F16Tiles.widen(tile, at + 2L * e).intoArray(dst, i * hd + c + e);
                    }
                    Fp16.decode(tile, at + 2L * vectors, dst, i * hd + c + vectors, width - vectors);
                }
            }
        }
    },
    /** 8-bit quants with an f16 scale per 32 values: 34 bytes per 32 values (0.27× f32). */
    Q8_0 {
        @Override
        public void decodeKeys(MemorySegment tile, long off, int hd, float[] dst) {
            decodeKeysQ8(tile, off, hd, dst);
        }

        @Override
        public void decodeValues(MemorySegment tile, long off, int hd, int s0, int n, float[] dst) {
            decodeValuesQ8(tile, off, hd, s0, n, dst);
        }
    },
    /** 4-bit quants with an f16 scale per 32 values: 18 bytes per 32 values (0.14× f32). */
    Q4_0 {
        @Override
        public void decodeKeys(MemorySegment tile, long off, int hd, float[] dst) {
            decodeKeysQ4(tile, off, hd, dst);
        }

        @Override
        public void decodeValues(MemorySegment tile, long off, int hd, int s0, int n, float[] dst) {
            decodeValuesQ4(tile, off, hd, s0, n, dst);
        }
    };

    /** Positions per tile (the attention kernel's block). */
    public static final int POSITIONS = GqaAttention.BLOCK;
    private static final int P = POSITIONS;
    /** Length of f16's runs of consecutive positions (keys) or components (values). */
    static final int RUN = 32;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LE);

    /** The CLI spelling ({@code f32}, {@code f16}, {@code q8_0}, {@code q4_0}). */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the format quantises in blocks of 32 values. */
    public boolean isBlockFormat() {
        return this == Q8_0 || this == Q4_0;
    }

    /** Whether heads of width {@code hd} can be stored: any width for f32/f16, a multiple of 32 for the block formats. */
    public boolean supportsHeadDim(int hd) {
        return hd >= 1 && (!isBlockFormat() || hd % QK == 0);
    }

    /** Bytes of one head's key region of a tile. */
    public long keyBytes(int hd) {
        return regionBytes(hd);
    }

    /** Bytes of one head's value region of a tile. */
    public long valueBytes(int hd) {
        return this == F16 ? 2L * P * RUN * ((hd + RUN - 1) / RUN) : regionBytes(hd);
    }

    private long regionBytes(int hd) {
        return switch (this) {
            case F32 -> 4L * hd * P;
            case F16 -> 2L * hd * P;
            case Q8_0 -> (long) hd * P + 2L * (hd / QK) * P;
            case Q4_0 -> (long) hd * P / 2 + 2L * (hd / QK) * P;
        };
    }

    /** Average bytes per cached value (e.g. 1.0625 for q8_0). */
    public double bytesPerValue() {
        return switch (this) {
            case F32 -> 4;
            case F16 -> 2;
            case Q8_0 -> 34.0 / 32;
            case Q4_0 -> 18.0 / 32;
        };
    }

    private void requireHeadDim(int hd) {
        if (!supportsHeadDim(hd)) {
            throw new IllegalArgumentException(cliName() + " stores heads in blocks of " + QK + " values, but head_dim = " + hd);
        }
    }

    /** Writes one position's key {@code src[srcOff .. srcOff + hd)} into slot {@code slot} of the key region at {@code off}. */
    public void putKey(MemorySegment tile, long off, int hd, int slot, float[] src, int srcOff) {
        requireHeadDim(hd);
        switch (this) {
            case F32 -> {
                for (int d = 0; d < hd; d++) {
                    tile.set(LE_FLOAT, off + 4L * (d * P + slot), src[srcOff + d]);
                }
            }
            case F16 -> {
                long run = off + 2L * (slot / RUN * hd * RUN + slot % RUN);
                for (int d = 0; d < hd; d++) {
                    tile.set(Blocks.LE_SHORT, run + 2L * d * RUN, Fp16.encode(src[srcOff + d]));
                }
            }
            case Q8_0 -> {
                long scales = off + (long) hd * P;
                for (int b = 0; b < hd / QK; b++) {
                    int o = srcOff + b * QK;
                    float d = q8Scale(src, o);
                    float id = d != 0f ? 1.0f / d : 0f;
                    tile.set(Blocks.LE_SHORT, scales + 2L * (b * P + slot), Float.floatToFloat16(d));
                    for (int i = 0; i < QK; i++) {
                        tile.set(ValueLayout.JAVA_BYTE, off + (long) (b * QK + i) * P + slot, (byte) Blocks.roundHalfAway(src[o + i] * id));
                    }
                }
            }
            case Q4_0 -> {
                long scales = off + (long) hd * P / 2;
                int shift = slot < 32 ? 0 : 4;
                int keep = slot < 32 ? 0xF0 : 0x0F;
                for (int b = 0; b < hd / QK; b++) {
                    int o = srcOff + b * QK;
                    float d = q4Scale(src, o);
                    float id = d != 0f ? 1.0f / d : 0f;
                    tile.set(Blocks.LE_SHORT, scales + 2L * (b * P + slot), Float.floatToFloat16(d));
                    for (int i = 0; i < QK; i++) {
                        long at = off + (long) (b * QK + i) * 32 + slot % 32;
                        int old = tile.get(ValueLayout.JAVA_BYTE, at) & keep;
                        tile.set(ValueLayout.JAVA_BYTE, at, (byte) (old | q4(src[o + i], id) << shift));
                    }
                }
            }
        }
    }

    /** Writes one position's value {@code src[srcOff .. srcOff + hd)} into slot {@code slot} of the value region at {@code off}. */
    public void putValue(MemorySegment tile, long off, int hd, int slot, float[] src, int srcOff) {
        requireHeadDim(hd);
        switch (this) {
            case F32 -> MemorySegment.copy(src, srcOff, tile, LE_FLOAT, off + 4L * slot * hd, hd);
            case F16 -> {
                for (int d = 0; d < hd; d++) {
                    tile.set(Blocks.LE_SHORT, off + 2L * (d / RUN * P * RUN + slot * RUN + d % RUN), Fp16.encode(src[srcOff + d]));
                }
            }
            case Q8_0 -> {
                int nb = hd / QK;
                long scales = off + (long) hd * P;
                for (int b = 0; b < nb; b++) {
                    int o = srcOff + b * QK;
                    float d = q8Scale(src, o);
                    float id = d != 0f ? 1.0f / d : 0f;
                    tile.set(Blocks.LE_SHORT, scales + 2L * (slot * nb + b), Float.floatToFloat16(d));
                    for (int i = 0; i < QK; i++) {
                        tile.set(ValueLayout.JAVA_BYTE, off + (long) slot * hd + b * QK + i, (byte) Blocks.roundHalfAway(src[o + i] * id));
                    }
                }
            }
            case Q4_0 -> {
                int nb = hd / QK;
                long scales = off + (long) hd * P / 2;
                for (int b = 0; b < nb; b++) {
                    int o = srcOff + b * QK;
                    float d = q4Scale(src, o);
                    float id = d != 0f ? 1.0f / d : 0f;
                    tile.set(Blocks.LE_SHORT, scales + 2L * (slot * nb + b), Float.floatToFloat16(d));
                    long q = off + 16L * (slot * nb + b);
                    for (int i = 0; i < QK / 2; i++) {
                        tile.set(ValueLayout.JAVA_BYTE, q + i, (byte) (q4(src[o + i], id) | q4(src[o + i + QK / 2], id) << 4));
                    }
                }
            }
        }
    }

    /** q8_0's scale of the 32 values at {@code o}: {@code amax / 127}. */
    private static float q8Scale(float[] x, int o) {
        float amax = 0f;
        for (int i = 0; i < QK; i++) {
            amax = Math.max(amax, Math.abs(x[o + i]));
        }
        return amax / 127;
    }

    /** q4_0's scale of the 32 values at {@code o}: the value of largest magnitude (the first on ties) over −8. */
    private static float q4Scale(float[] x, int o) {
        float amax = 0f;
        float max = 0f;
        for (int i = 0; i < QK; i++) {
            float v = x[o + i];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        return max / -8;
    }

    private static int q4(float x, float id) {
        return Math.min(15, (int) (x * id + 8.5f));
    }

    /**
     * Decodes the whole key region at {@code off} to f32, transposed: {@code dst[d·POSITIONS + j]} is component d of
     * slot j. Slots never written hold whatever the tile held (zeros in a fresh tile): finite values. (One method per
     * constant, so that each format's vector code is compiled on its own: a switch over all four inlined together
     * exceeded C2's budget for vector nodes when several formats ran in one JVM, and its vectors got boxed.)
     */
    public abstract void decodeKeys(MemorySegment tile, long off, int hd, float[] dst);

    /** Decodes slots {@code [s0, s0 + n)} of the value region at {@code off} to {@code dst[i·hd + d]} (slot s0 + i). */
    public abstract void decodeValues(MemorySegment tile, long off, int hd, int s0, int n, float[] dst);

    /** Per-thread scale row of the key decoders (a fresh array per call was ~25 MB of garbage per token at 262k). */
    private static final ThreadLocal<float[]> SCALES = ThreadLocal.withInitial(() -> new float[P]);

    private static void decodeKeysQ8(MemorySegment tile, long off, int hd, float[] dst) {
        float[] scale = SCALES.get();
        long scales = off + (long) hd * P;
        for (int b = 0; b < hd / QK; b++) {
            Fp16.decode(tile, scales + 2L * b * P, scale, 0, P);
            for (int d = b * QK; d < (b + 1) * QK; d++) {
                long q = off + (long) d * P;
                for (int j = 0; j < P; j += FB_LANES) {
                    widen(tile, q + j).mul(FloatVector.fromArray(FB, scale, j)).intoArray(dst, d * P + j);
                }
            }
        }
    }

    private static void decodeKeysQ4(MemorySegment tile, long off, int hd, float[] dst) {
        float[] scale = SCALES.get();
        long scales = off + (long) hd * P / 2;
        for (int b = 0; b < hd / QK; b++) {
            Fp16.decode(tile, scales + 2L * b * P, scale, 0, P);
            for (int d = b * QK; d < (b + 1) * QK; d++) {
                long q = off + (long) d * 32;
                for (int j = 0; j < 32; j += FB_LANES) {
                    ByteVector v = ByteVector.fromMemorySegment(BL, tile, q + j, LE);
                    widen(low(v)).mul(FloatVector.fromArray(FB, scale, j)).intoArray(dst, d * P + j);
                    widen(high(v)).mul(FloatVector.fromArray(FB, scale, 32 + j)).intoArray(dst, d * P + 32 + j);
                }
            }
        }
    }

    private static void decodeValuesQ8(MemorySegment tile, long off, int hd, int s0, int n, float[] dst) {
        int nb = hd / QK;
        long scales = off + (long) hd * P;
        for (int i = 0; i < n; i++) {
            int s = s0 + i;
            for (int b = 0; b < nb; b++) {
                FloatVector d = FloatVector.broadcast(FB, Blocks.scale(tile, scales + 2L * (s * nb + b)));
                long q = off + (long) s * hd + b * QK;
                int o = i * hd + b * QK;
                for (int c = 0; c < QK; c += FB_LANES) {
                    widen(tile, q + c).mul(d).intoArray(dst, o + c);
                }
            }
        }
    }

    private static void decodeValuesQ4(MemorySegment tile, long off, int hd, int s0, int n, float[] dst) {
        int nb = hd / QK;
        long scales = off + (long) hd * P / 2;
        for (int i = 0; i < n; i++) {
            int s = s0 + i;
            for (int b = 0; b < nb; b++) {
                FloatVector d = FloatVector.broadcast(FB, Blocks.scale(tile, scales + 2L * (s * nb + b)));
                long q = off + 16L * (s * nb + b);
                int o = i * hd + b * QK;
                for (int c = 0; c < QK / 2; c += FB_LANES) {
                    ByteVector v = ByteVector.fromMemorySegment(BL, tile, q + c, LE);
                    widen(low(v)).mul(d).intoArray(dst, o + c);
                    widen(high(v)).mul(d).intoArray(dst, o + QK / 2 + c);
                }
            }
        }
    }

    /** Component {@code d} of the key in slot {@code slot} (scalar; for inspection and tests). */
    public float key(MemorySegment tile, long off, int hd, int slot, int d) {
        return switch (this) {
            case F32 -> tile.get(LE_FLOAT, off + 4L * (d * P + slot));
            case F16 -> Fp16.decode(tile.get(Blocks.LE_SHORT, off + 2L * (slot / RUN * hd * RUN + d * RUN + slot % RUN)));
            case Q8_0 -> tile.get(ValueLayout.JAVA_BYTE, off + (long) d * P + slot)
                    * Blocks.scale(tile, off + (long) hd * P + 2L * (d / QK * P + slot));
            case Q4_0 -> {
                int b = tile.get(ValueLayout.JAVA_BYTE, off + (long) d * 32 + slot % 32) & 0xFF;
                int q = (slot < 32 ? b & 0x0F : b >>> 4) - 8;
                yield q * Blocks.scale(tile, off + (long) hd * P / 2 + 2L * (d / QK * P + slot));
            }
        };
    }

    /** Component {@code d} of the value in slot {@code slot} (scalar; for inspection and tests). */
    public float value(MemorySegment tile, long off, int hd, int slot, int d) {
        int nb = hd / QK;
        return switch (this) {
            case F32 -> tile.get(LE_FLOAT, off + 4L * (slot * hd + d));
            case F16 -> Fp16.decode(tile.get(Blocks.LE_SHORT, off + 2L * (d / RUN * P * RUN + slot * RUN + d % RUN)));
            case Q8_0 -> tile.get(ValueLayout.JAVA_BYTE, off + (long) slot * hd + d)
                    * Blocks.scale(tile, off + (long) hd * P + 2L * (slot * nb + d / QK));
            case Q4_0 -> {
                int i = d % QK;
                int b = tile.get(ValueLayout.JAVA_BYTE, off + 16L * (slot * nb + d / QK) + i % 16) & 0xFF;
                int q = (i < 16 ? b & 0x0F : b >>> 4) - 8;
                yield q * Blocks.scale(tile, off + (long) hd * P / 2 + 2L * (slot * nb + d / QK));
            }
        };
    }

    /**
     * {@link Simd#FB_LANES} int8 quants from byte {@code at}, widened to f32. (With 4-lane vectors the load is 8
     * bytes of which 4 are used; quants are always followed by their scales, so it stays inside the tile.)
     */
    private static FloatVector widen(MemorySegment tile, long at) {
        return widen(ByteVector.fromMemorySegment(BL, tile, at, LE));
    }

    private static FloatVector widen(ByteVector v) {
        return (FloatVector) v.convertShape(VectorOperators.B2F, FB, 0);
    }

    /** Low nibbles minus 8. */
    private static ByteVector low(ByteVector v) {
        return v.and((byte) 0x0F).sub((byte) 8);
    }

    /** High nibbles minus 8 (shifted as ints, which x86 does in one instruction). */
    private static ByteVector high(ByteVector v) {
        return v.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
    }

    /** Parses a CLI spelling; null if unknown. */
    public static KvTileFormat parse(String s) {
        for (KvTileFormat f : values()) {
            if (f.cliName().equalsIgnoreCase(s)) {
                return f;
            }
        }
        return null;
    }
}
