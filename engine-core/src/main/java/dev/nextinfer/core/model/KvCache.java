package dev.nextinfer.core.model;

import java.util.Arrays;

/**
 * Keys and values of one full-attention layer, f32, laid out {@code [position][kvHead·headDim]} so one kv head's
 * keys are a strided walk. Grows by doubling up to the context limit.
 */
public final class KvCache {
    private final int width;
    private final int maxPositions;
    private float[] keys;
    private float[] values;
    private int length;

    /** A cache of {@code kvHeads × headDim} per position holding at most {@code maxPositions}. */
    public KvCache(int kvHeads, int headDim, int maxPositions) {
        this.width = kvHeads * headDim;
        this.maxPositions = maxPositions;
        int initial = Math.min(maxPositions, 256);
        this.keys = new float[initial * width];
        this.values = new float[initial * width];
    }

    /** Floats per position ({@code kvHeads·headDim}). */
    public int width() {
        return width;
    }

    /** Positions stored. */
    public int length() {
        return length;
    }

    /** Key array (valid up to {@code length·width}). */
    public float[] keys() {
        return keys;
    }

    /** Value array (valid up to {@code length·width}). */
    public float[] values() {
        return values;
    }

    /** Makes room for {@code n} more positions. */
    public void ensureCapacity(int n) {
        long need = (long) length + n;
        if (need > maxPositions) {
            throw new IllegalStateException("KV cache full: " + length + " + " + n + " > " + maxPositions + " positions");
        }
        if (need * width > keys.length) {
            long cap = Math.max(need, Math.min((long) maxPositions, 2L * keys.length / width));
            keys = Arrays.copyOf(keys, Math.toIntExact(cap * width));
            values = Arrays.copyOf(values, Math.toIntExact(cap * width));
        }
    }

    /** Appends {@code n} positions read from {@code k}/{@code v} at row stride {@code width}. */
    public void append(float[] k, float[] v, int n) {
        ensureCapacity(n);
        System.arraycopy(k, 0, keys, length * width, n * width);
        System.arraycopy(v, 0, values, length * width, n * width);
        length += n;
    }

    /** Forgets positions from {@code newLength} on (speculative decoding rollback). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        }
        length = newLength;
    }

    /** Bytes held. */
    public long byteSize() {
        return 8L * keys.length;
    }

    /** A deep copy. */
    public KvCache copy() {
        KvCache c = new KvCache(width, 1, maxPositions);
        c.keys = Arrays.copyOf(keys, Math.max(keys.length, width));
        c.values = Arrays.copyOf(values, Math.max(values.length, width));
        c.length = length;
        return c;
    }
}
