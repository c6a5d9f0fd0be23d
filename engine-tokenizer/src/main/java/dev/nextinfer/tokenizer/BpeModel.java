package dev.nextinfer.tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-level BPE: a word's UTF-8 bytes start as single-byte tokens and the adjacent pair with the lowest merge
 * rank (leftmost on ties) is merged until no pair has a rule. This is the order of the Rust library's priority
 * queue ({@code Word::merge_all}), which pops the lowest (rank, position) among the current pairs.
 *
 * <p>Words under 256 bytes use a flat array with the pair ranks kept up to date. Longer words (hostile input such as 10 MB of
 * newlines in one piece) use a linked list and either rank buckets or a binary heap, O(n log n) at worst: when the
 * merge table is rank-ordered (every rule using a token ranks after every rule producing it, true of trained BPE
 * files such as Qwen's), a merge only creates pairs of higher rank, so taking the ranks in increasing order and
 * merging all current occurrences of each left to right is the same order as the heap's; otherwise the heap is
 * used. Results of words up to 256 chars are cached (concurrent map, bounded).
 */
final class BpeModel {
    private static final int LARGE_WORD_BYTES = 256;
    private static final int CACHE_MAX_WORD = 256;
    private static final int CACHE_CAPACITY = 200_000;
    /** {@code -Dnextinfer.bpe.cache=false} turns the word cache off (to benchmark the cold path). */
    private static final boolean CACHE_ENABLED = !"false".equals(System.getProperty("nextinfer.bpe.cache"));

    private final Map<String, Integer> vocab;
    private final MergeTable merges;
    private final int[] byteIds = new int[256];
    private final boolean ignoreMerges;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean rankOrdered;
    private final ConcurrentHashMap<String, int[]> cache = new ConcurrentHashMap<>(4096);

    /**
     * @param vocab        token (in the byte-level alphabet) → id
     * @param merges       the merge rules, ids already resolved
     * @param ignoreMerges a word that is itself in the vocabulary is one token without merging
     * @param unkId        id for bytes without a token, or -1 to drop them (Rust: no {@code unk_token})
     * @param fuseUnk      consecutive unknowns become one
     * @param rankOrdered  every rule using a token ranks after every rule producing it (see the class comment)
     */
    /** The merge rules. */
    MergeTable merges() {
        return merges;
    }

    BpeModel(Map<String, Integer> vocab, MergeTable merges, boolean ignoreMerges, int unkId, boolean fuseUnk,
             boolean rankOrdered) {
        this.vocab = vocab;
        this.merges = merges;
        this.ignoreMerges = ignoreMerges;
        this.unkId = unkId;
        this.fuseUnk = fuseUnk;
        this.rankOrdered = rankOrdered;
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.valueOf(ByteLevel.charOf(b)));
            byteIds[b] = id == null ? -1 : id;
        }
    }

    boolean rankOrdered() {
        return rankOrdered;
    }

    Map<String, Integer> vocab() {
        return vocab;
    }

    /** Appends the ids of the word {@code s[start, end)} to {@code out}. */
    void encode(String s, int start, int end, IntList out) {
        boolean cacheable = CACHE_ENABLED && end - start <= CACHE_MAX_WORD;
        String key = null;
        if (cacheable) {
            key = start == 0 && end == s.length() ? s : s.substring(start, end);
            int[] hit = cache.get(key);
            if (hit != null) {
                out.addAll(hit);
                return;
            }
        }
        byte[] bytes = new byte[Utf8.encodedLength(s, start, end)];
        Utf8.encode(s, start, end, bytes, 0);
        int[] ids = encodeBytes(bytes);
        if (cacheable && cache.size() < CACHE_CAPACITY) {
            cache.put(key, ids);
        }
        out.addAll(ids);
    }

    /** The ids of a word given as UTF-8 bytes. */
    int[] encodeBytes(byte[] bytes) {
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevel.toAlphabet(bytes));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] sym = initialSymbols(bytes);
        if (sym.length < LARGE_WORD_BYTES) {
            return mergeSmall(sym);
        }
        return rankOrdered ? mergeByRank(sym) : mergeLarge(sym);
    }

    /** One symbol per byte; bytes without a token become {@code unkId} (fused if asked) or are dropped. */
    int[] initialSymbols(byte[] bytes) {
        int[] sym = new int[bytes.length];
        int n = 0;
        for (byte b : bytes) {
            int id = byteIds[b & 0xFF];
            if (id < 0) {
                if (unkId < 0 || (fuseUnk && n > 0 && sym[n - 1] == unkId)) {
                    continue;
                }
                id = unkId;
            }
            sym[n++] = id;
        }
        return n == sym.length ? sym : Arrays.copyOf(sym, n);
    }

    /** O(n²) in the worst case but with no hashing in the scan: {@code rank[p]} is the rank of pair (p, p+1). */
    int[] mergeSmall(int[] sym) {
        int n = sym.length;
        if (n < 2) {
            return sym;
        }
        int[] rank = new int[n - 1];
        for (int p = 0; p < n - 1; p++) {
            rank[p] = merges.rank(sym[p], sym[p + 1]);
        }
        while (n > 1) {
            int best = MergeTable.NONE;
            int at = -1;
            for (int p = 0; p < n - 1; p++) {
                if (rank[p] < best) {
                    best = rank[p];
                    at = p;
                }
            }
            if (at < 0) {
                break;
            }
            sym[at] = merges.mergedId(sym[at], sym[at + 1]);
            System.arraycopy(sym, at + 2, sym, at + 1, n - at - 2);
            if (at + 1 < n - 1) {
                System.arraycopy(rank, at + 2, rank, at + 1, n - at - 3);
            }
            n--;
            if (at > 0) {
                rank[at - 1] = merges.rank(sym[at - 1], sym[at]);
            }
            if (at < n - 1) {
                rank[at] = merges.rank(sym[at], sym[at + 1]);
            }
        }
        return Arrays.copyOf(sym, n);
    }

    /** Heap-driven merging over a linked list of symbols, O(n log n). */
    int[] mergeLarge(int[] sym) {
        int n = sym.length;
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] dead = new boolean[n];
        LongHeap heap = new LongHeap(n);
        for (int p = 0; p < n; p++) {
            next[p] = p + 1 < n ? p + 1 : -1;
            prev[p] = p - 1;
            if (p + 1 < n) {
                int r = merges.rank(sym[p], sym[p + 1]);
                if (r != MergeTable.NONE) {
                    heap.add((long) r << 32 | p);
                }
            }
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            if (dead[pos] || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            // A stale entry: the pair at pos changed since it was queued (its span only grows, so the rank differs).
            if (merges.rank(sym[pos], sym[right]) != rank) {
                continue;
            }
            sym[pos] = merges.mergedId(sym[pos], sym[right]);
            dead[right] = true;
            alive--;
            next[pos] = next[right];
            if (next[pos] >= 0) {
                prev[next[pos]] = pos;
            }
            if (prev[pos] >= 0) {
                int r = merges.rank(sym[prev[pos]], sym[pos]);
                if (r != MergeTable.NONE) {
                    heap.add((long) r << 32 | prev[pos]);
                }
            }
            if (next[pos] >= 0) {
                int r = merges.rank(sym[pos], sym[next[pos]]);
                if (r != MergeTable.NONE) {
                    heap.add((long) r << 32 | pos);
                }
            }
        }
        int[] out = new int[alive];
        int k = 0;
        for (int p = 0; p >= 0 && k < alive; p = next[p]) {
            out[k++] = sym[p];
        }
        return out;
    }

    /**
     * For rank-ordered merge tables: buckets of positions per rank, ranks taken in increasing order, each bucket's
     * positions merged left to right (stale entries, whose pair has changed since, are skipped).
     */
    int[] mergeByRank(int[] sym) {
        int n = sym.length;
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] dead = new boolean[n];
        Map<Integer, IntList> buckets = new java.util.HashMap<>();
        LongHeap ranks = new LongHeap(64);
        for (int p = 0; p < n; p++) {
            next[p] = p + 1 < n ? p + 1 : -1;
            prev[p] = p - 1;
            if (p + 1 < n) {
                queue(buckets, ranks, merges.rank(sym[p], sym[p + 1]), p);
            }
        }
        int alive = n;
        while (!ranks.isEmpty()) {
            int rank = (int) ranks.poll();
            int[] positions = buckets.remove(rank).toArray();
            if (!isSorted(positions)) {
                Arrays.sort(positions);
            }
            for (int pos : positions) {
                int right = next[pos];
                if (dead[pos] || right < 0 || merges.rank(sym[pos], sym[right]) != rank) {
                    continue;
                }
                sym[pos] = merges.mergedId(sym[pos], sym[right]);
                dead[right] = true;
                alive--;
                next[pos] = next[right];
                if (next[pos] >= 0) {
                    prev[next[pos]] = pos;
                    queue(buckets, ranks, merges.rank(sym[pos], sym[next[pos]]), pos);
                }
                if (prev[pos] >= 0) {
                    queue(buckets, ranks, merges.rank(sym[prev[pos]], sym[pos]), prev[pos]);
                }
            }
        }
        int[] out = new int[alive];
        int k = 0;
        for (int p = 0; p >= 0 && k < alive; p = next[p]) {
            out[k++] = sym[p];
        }
        return out;
    }

    private static void queue(Map<Integer, IntList> buckets, LongHeap ranks, int rank, int pos) {
        if (rank == MergeTable.NONE) {
            return;
        }
        IntList b = buckets.get(rank);
        if (b == null) {
            b = new IntList();
            buckets.put(rank, b);
            ranks.add(rank);
        }
        b.add(pos);
    }

    private static boolean isSorted(int[] a) {
        for (int i = 1; i < a.length; i++) {
            if (a[i] < a[i - 1]) {
                return false;
            }
        }
        return true;
    }

    /** A binary min-heap of longs. */
    private static final class LongHeap {
        private long[] a;
        private int n;

        LongHeap(int capacity) {
            a = new long[Math.max(16, capacity)];
        }

        boolean isEmpty() {
            return n == 0;
        }

        void add(long v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            int i = n++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (a[parent] <= v) {
                    break;
                }
                a[i] = a[parent];
                i = parent;
            }
            a[i] = v;
        }

        long poll() {
            long top = a[0];
            long last = a[--n];
            int i = 0;
            int half = n >>> 1;
            while (i < half) {
                int c = 2 * i + 1;
                if (c + 1 < n && a[c + 1] < a[c]) {
                    c++;
                }
                if (last <= a[c]) {
                    break;
                }
                a[i] = a[c];
                i = c;
            }
            a[i] = last;
            return top;
        }
    }
}
