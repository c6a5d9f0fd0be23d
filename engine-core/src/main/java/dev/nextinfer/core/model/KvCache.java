package dev.nextinfer.core.model;

import dev.nextinfer.kernels.Fp16;
import dev.nextinfer.kernels.GqaAttention;
import java.util.Arrays;

/**
 * Keys and values of one full-attention layer, stored per kv head as {@code [position][headDim]} so attention
 * streams one head's cache contiguously. f32 or f16 ({@link KvCacheFormat}); grows by doubling up to the context
 * limit.
 */
public final class KvCache implements GqaAttention.KvSource {
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
        if (format == KvCacheFormat.F32) {
            keysF = resize(keysF, cap);
            valuesF = resize(valuesF, cap);
        } else {
            keysH = resize(keysH, cap);
            valuesH = resize(valuesH, cap);
        }
        capacity = cap;
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
            for (int h = 0; h < kvHeads; h++) {
                int src = t * width + h * headDim;
                int dst = (length + t) * headDim;
                if (format == KvCacheFormat.F32) {
                    System.arraycopy(k, src, keysF[h], dst, headDim);
                    System.arraycopy(v, src, valuesF[h], dst, headDim);
                } else {
                    Fp16.encode(k, src, keysH[h], dst, headDim);
                    Fp16.encode(v, src, valuesH[h], dst, headDim);
                }
            }
        }
        length += n;
    }

    @Override
    public void keys(int head, int p0, int n, float[] dst) {
        if (format == KvCacheFormat.F32) {
            System.arraycopy(keysF[head], p0 * headDim, dst, 0, n * headDim);
        } else {
            Fp16.decode(keysH[head], p0 * headDim, dst, 0, n * headDim);
        }
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
        return 2L * kvHeads * capacity * headDim * format.bytes();
    }

    /** A deep copy. */
    public KvCache copy() {
        KvCache c = new KvCache(kvHeads, headDim, maxPositions, format);
        c.allocate(Math.max(capacity, 1));
        for (int h = 0; h < kvHeads; h++) {
            if (format == KvCacheFormat.F32) {
                System.arraycopy(keysF[h], 0, c.keysF[h], 0, length * headDim);
                System.arraycopy(valuesF[h], 0, c.valuesF[h], 0, length * headDim);
            } else {
                System.arraycopy(keysH[h], 0, c.keysH[h], 0, length * headDim);
                System.arraycopy(valuesH[h], 0, c.valuesH[h], 0, length * headDim);
            }
        }
        c.length = length;
        return c;
    }
}
