package dev.nextinfer.tokenizer;

import java.util.Arrays;

/**
 * BPE merge rules: (left id, right id) → (rank, merged id), in an open-addressing hash table of primitive
 * arrays (a {@code HashMap<Long, …>} would box on every lookup of the hot loop).
 */
final class MergeTable {
    static final int NONE = Integer.MAX_VALUE;

    private final long[] keys;
    private final int[] ranks;
    private final int[] merged;
    private final int mask;
    private int size;

    MergeTable(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[cap];
        Arrays.fill(keys, -1L);
        ranks = new int[cap];
        merged = new int[cap];
        mask = cap - 1;
    }

    private static long key(int left, int right) {
        return (long) left << 32 | (right & 0xFFFFFFFFL);
    }

    private int slot(long k) {
        long h = k * 0x9E3779B97F4A7C15L;
        return (int) (h ^ h >>> 29) & mask;
    }

    /** Adds or replaces a rule (a later duplicate replaces an earlier one, as in the Rust library's map). */
    void put(int left, int right, int rank, int mergedId) {
        long k = key(left, right);
        int i = slot(k);
        while (keys[i] != -1L && keys[i] != k) {
            i = (i + 1) & mask;
        }
        if (keys[i] == -1L) {
            size++;
            if (size * 2 > keys.length) {
                throw new IllegalStateException("merge table over capacity");
            }
        }
        keys[i] = k;
        ranks[i] = rank;
        merged[i] = mergedId;
    }

    /** Slot of a rule, or -1. */
    int find(int left, int right) {
        long k = key(left, right);
        int i = slot(k);
        while (true) {
            long stored = keys[i];
            if (stored == k) {
                return i;
            }
            if (stored == -1L) {
                return -1;
            }
            i = (i + 1) & mask;
        }
    }

    /** Rank of the rule (left, right), or {@link #NONE}. */
    int rank(int left, int right) {
        int i = find(left, right);
        return i < 0 ? NONE : ranks[i];
    }

    /** Merged id of the rule (left, right); only valid when {@link #rank} is not NONE. */
    int mergedId(int left, int right) {
        return merged[find(left, right)];
    }

    int size() {
        return size;
    }

    /** The rules as {@code {left, right}} id pairs, lowest rank first. */
    int[][] rulesByRank() {
        int[][] out = new int[size][];
        int[] rank = new int[size];
        int n = 0;
        for (int i = 0; i < keys.length; i++) {
            if (keys[i] != -1L) {
                out[n] = new int[] {(int) (keys[i] >>> 32), (int) keys[i]};
                rank[n++] = ranks[i];
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Integer.compare(rank[a], rank[b]));
        int[][] sorted = new int[n][];
        for (int i = 0; i < n; i++) {
            sorted[i] = out[order[i]];
        }
        return sorted;
    }
}
