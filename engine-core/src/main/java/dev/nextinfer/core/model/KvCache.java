package dev.nextinfer.core.model;

import dev.nextinfer.kernels.Fp16;
import dev.nextinfer.kernels.GqaAttention;
import java.util.Arrays;

/**
 * Keys and values of one full-attention layer, per kv head. Values are {@code [position][headDim]}; keys are
 * stored transposed in tiles of {@link GqaAttention#BLOCK} positions, {@code [position / BLOCK][d][BLOCK]}, which
 * is the layout the attention kernel's score tile consumes, so a block of keys is handed out with one copy (or one
 * f16 decode). f32 or f16 ({@link KvCacheFormat}); grows by doubling up to the context limit.
 */
public final class KvCache implements GqaAttention.KvSource {
    private static final int BLOCK = GqaAttention.BLOCK;

    private final int kvHeads;
    private final int headDim;
    private final int maxPositions;
    private final KvCacheFormat format;
    private float[][] keysF;
    private float[][] valuesF;
    private short[][] keysH;
    private short[][] valuesH;
    private int capacity;
    private int length;

    /** An empty cache of {@code kvHeads × headDim} per position holding at most {@code maxPositions}. */
    public KvCache(int kvHeads, int headDim, int maxPositions, KvCacheFormat format) {
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        this.format = format;
        allocate(Math.min(maxPositions, 64));
    }

    private void allocate(int cap) {
        int keyCap = (cap + BLOCK - 1) / BLOCK * BLOCK; // whole key tiles
        if (format == KvCacheFormat.F32) {
            keysF = resize(keysF, keyCap);
            valuesF = resize(valuesF, cap);
        } else {
            keysH = resize(keysH, keyCap);
            valuesH = resize(valuesH, cap);
        }
        capacity = cap;
    }

    /** Index of component d of position pos in a head's key array. */
    private int keyIndex(int pos, int d) {
        return (pos / BLOCK) * BLOCK * headDim + d * BLOCK + pos % BLOCK;
    }

    private float[][] resize(float[][] a, int cap) {
        float[][] out = new float[kvHeads][];
        for (int h = 0; h < kvHeads; h++) {
            out[h] = a == null ? new float[cap * headDim] : Arrays.copyOf(a[h], cap * headDim);
        }
        return out;
    }

    private short[][] resize(short[][] a, int cap) {
        short[][] out = new short[kvHeads][];
        for (int h = 0; h < kvHeads; h++) {
            out[h] = a == null ? new short[cap * headDim] : Arrays.copyOf(a[h], cap * headDim);
        }
        return out;
    }

    /** Number of kv heads. */
    public int kvHeads() {
        return kvHeads;
    }

    /** Width of one head. */
    public int headDim() {
        return headDim;
    }

    /** Floats per position over all heads ({@code kvHeads·headDim}). */
    public int width() {
        return kvHeads * headDim;
    }

    /** Positions stored. */
    public int length() {
        return length;
    }

    /** The element format. */
    public KvCacheFormat format() {
        return format;
    }

    /**
     * Appends {@code n} positions; {@code k} and {@code v} are {@code [n][kvHeads·headDim]} as the projections
     * produce them.
     */
    public void append(float[] k, float[] v, int n) {
        long need = (long) length + n;
        if (need > maxPositions) {
            throw new IllegalStateException("KV cache full: " + length + " + " + n + " > " + maxPositions + " positions");
        }
        if (need > capacity) {
            allocate((int) Math.min(maxPositions, Math.max(need, 2L * capacity)));
        }
        int width = width();
        for (int t = 0; t < n; t++) {
            int pos = length + t;
            int k0 = keyIndex(pos, 0);
            for (int h = 0; h < kvHeads; h++) {
                int src = t * width + h * headDim;
                int dst = pos * headDim;
                if (format == KvCacheFormat.F32) {
                    float[] keys = keysF[h];
                    for (int d = 0; d < headDim; d++) {
                        keys[k0 + d * BLOCK] = k[src + d];
                    }
                    System.arraycopy(v, src, valuesF[h], dst, headDim);
                } else {
                    short[] keys = keysH[h];
                    for (int d = 0; d < headDim; d++) {
                        keys[k0 + d * BLOCK] = Fp16.encode(k[src + d]);
                    }
                    Fp16.encode(v, src, valuesH[h], dst, headDim);
                }
            }
        }
        length += n;
    }

    @Override
    public void keysTransposed(int head, int p0, int n, float[] dst) {
        if (p0 % BLOCK == 0) { // the kernel's case: one whole tile (entries past n are ignored by the contract)
            int tile = keyIndex(p0, 0);
            if (format == KvCacheFormat.F32) {
                System.arraycopy(keysF[head], tile, dst, 0, BLOCK * headDim);
            } else {
                Fp16.decode(keysH[head], tile, dst, 0, BLOCK * headDim);
            }
            return;
        }
        for (int d = 0; d < headDim; d++) {
            for (int i = 0; i < n; i++) {
                dst[d * BLOCK + i] = key(head, p0 + i, d);
            }
        }
    }

    /** Keys of kv head {@code head} at positions {@code [p0, p0+n)} into {@code dst[i·headDim ..]} (for inspection). */
    public void keys(int head, int p0, int n, float[] dst) {
        for (int i = 0; i < n; i++) {
            for (int d = 0; d < headDim; d++) {
                dst[i * headDim + d] = key(head, p0 + i, d);
            }
        }
    }

    private float key(int head, int pos, int d) {
        int i = keyIndex(pos, d);
        return format == KvCacheFormat.F32 ? keysF[head][i] : Fp16.decode(keysH[head][i]);
    }

    @Override
    public void values(int head, int p0, int n, float[] dst) {
        if (format == KvCacheFormat.F32) {
            System.arraycopy(valuesF[head], p0 * headDim, dst, 0, n * headDim);
        } else {
            Fp16.decode(valuesH[head], p0 * headDim, dst, 0, n * headDim);
        }
    }

    /** Forgets positions from {@code newLength} on (speculative decoding rollback). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        }
        length = newLength;
    }

    /** Bytes held (capacity, not only the used part). */
    public long byteSize() {
        long keyCap = (capacity + BLOCK - 1L) / BLOCK * BLOCK;
        return (keyCap + capacity) * kvHeads * headDim * format.bytes();
    }

    /** A deep copy. */
    public KvCache copy() {
        KvCache c = new KvCache(kvHeads, headDim, maxPositions, format);
        c.allocate(Math.max(capacity, 1));
        for (int h = 0; h < kvHeads; h++) {
            int keyLength = (length + BLOCK - 1) / BLOCK * BLOCK * headDim;
            if (format == KvCacheFormat.F32) {
                System.arraycopy(keysF[h], 0, c.keysF[h], 0, keyLength);
                System.arraycopy(valuesF[h], 0, c.valuesF[h], 0, length * headDim);
            } else {
                System.arraycopy(keysH[h], 0, c.keysH[h], 0, keyLength);
                System.arraycopy(valuesH[h], 0, c.valuesH[h], 0, length * headDim);
            }
        }
        c.length = length;
        return c;
    }
}
