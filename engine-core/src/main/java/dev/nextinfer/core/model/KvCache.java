package dev.nextinfer.core.model;

import dev.nextinfer.kernels.GqaAttention;
import dev.nextinfer.kernels.KvTileFormat;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.util.Arrays;

/**
 * Keys and values of one full-attention layer, off the Java heap in pages of {@value #PAGE_POSITIONS} positions
 * from a {@link KvPagePool}. A page holds, for every kv head, one key tile and one value tile in the layout of
 * {@link KvTileFormat} (keys transposed, {@code [d][position]}, which the attention kernel's score tile consumes;
 * values {@code [position][d]}), so the attention kernel gets one block of 64 positions with one decode per tile.
 *
 * <p>Growing allocates a page, never copies. {@link #copy()} shares the pages copy-on-write: a page referenced by
 * several caches is copied (whole) before the first write to it. {@link #truncate} keeps the page the next
 * position falls in and returns the ones beyond it. {@link #close()} returns every page; a cache that is dropped
 * without closing returns them when it is garbage collected.
 *
 * <p>Not thread-safe for writes; concurrent reads (the attention tasks) are safe while nothing is appended.
 */
public final class KvCache implements LayerState, GqaAttention.KvSource, AutoCloseable {
    /** Positions per page (one attention block). */
    public static final int PAGE_POSITIONS = KvTileFormat.POSITIONS;
    private static final int P = PAGE_POSITIONS;
    private static final Cleaner CLEANER = Cleaner.create();

    private final int kvHeads;
    private final int headDim;
    private final int maxPositions;
    private final KvCacheFormat format;
    private final KvTileFormat tile;
    private final long keyBytes;
    private final long valueBytes;
    private final KvPagePool pool;
    private final Pages pages;
    private final Cleaner.Cleanable cleanable;
    private int length;

    /** The page table; also the cleaning action, so it must not refer to the cache. */
    private static final class Pages implements Runnable {
        final KvPagePool pool;
        KvPagePool.Page[] table = new KvPagePool.Page[4];
        int count;

        Pages(KvPagePool pool) {
            this.pool = pool;
        }

        @Override
        public void run() {
            for (int i = 0; i < count; i++) {
                pool.release(table[i]);
                table[i] = null;
            }
            count = 0;
        }
    }

    /** An empty cache of {@code kvHeads × headDim} per position holding at most {@code maxPositions}. */
    public KvCache(int kvHeads, int headDim, int maxPositions, KvCacheFormat format) {
        if (!format.supportsHeadDim(headDim)) {
            throw new IllegalArgumentException("a " + format.cliName() + " KV cache stores heads in blocks of 32 values, but head_dim = " + headDim);
        }
        this.kvHeads = kvHeads;
        this.headDim = headDim;
        this.maxPositions = maxPositions;
        this.format = format;
        this.tile = format.tile();
        this.keyBytes = tile.keyBytes(headDim);
        this.valueBytes = tile.valueBytes(headDim);
        this.pool = KvPagePool.forPageBytes(pageBytes(kvHeads, headDim, format));
        this.pages = new Pages(pool);
        this.cleanable = CLEANER.register(this, pages);
    }

    /** Bytes of one page: {@value #PAGE_POSITIONS} positions of keys and values of every kv head. */
    public static long pageBytes(int kvHeads, int headDim, KvCacheFormat format) {
        return kvHeads * (format.tile().keyBytes(headDim) + format.tile().valueBytes(headDim));
    }

    /** Bytes of the pages that hold {@code positions} positions. */
    public static long bytesFor(long positions, int kvHeads, int headDim, KvCacheFormat format) {
        return (positions + P - 1) / P * pageBytes(kvHeads, headDim, format);
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

    @Override
    public long keyOffset(int head) {
        return head * keyBytes;
    }

    @Override
    public long valueOffset(int head) {
        return kvHeads * keyBytes + head * valueBytes;
    }

    @Override
    public KvTileFormat tileFormat() {
        return tile;
    }

    @Override
    public MemorySegment storedTile(int p0) {
        return pages.table[p0 / P].segment();
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
        int width = width();
        KvPagePool.Page page = null;
        for (int t = 0; t < n; t++) {
            int pos = length + t;
            int slot = pos % P;
            if (page == null || slot == 0) {
                page = writable(pos / P, slot);
            }
            for (int h = 0; h < kvHeads; h++) {
                int src = t * width + h * headDim;
                tile.putKey(page.segment(), keyOffset(h), headDim, slot, k, src);
                tile.putValue(page.segment(), valueOffset(h), headDim, slot, v, src);
            }
        }
        length += n;
    }

    /**
     * Page {@code index}, allocated if new and copied first if shared with another cache (the slots before
     * {@code slot} hold positions still in use).
     */
    private KvPagePool.Page writable(int index, int slot) {
        Pages p = pages;
        if (index >= p.count) {
            if (index >= p.table.length) {
                p.table = Arrays.copyOf(p.table, Math.max(index + 1, 2 * p.table.length));
            }
            while (p.count <= index) {
                p.table[p.count++] = pool.allocate();
            }
            return p.table[index];
        }
        KvPagePool.Page page = p.table[index];
        if (pool.isShared(page)) {
            KvPagePool.Page own = pool.allocate();
            if (slot > 0) {
                own.segment().copyFrom(page.segment());
            }
            pool.release(page);
            p.table[index] = own;
            page = own;
        }
        return page;
    }

    @Override
    public void keysTransposed(int head, int p0, int n, float[] dst) {
        if (p0 % P == 0) { // the kernel's case: one whole tile (entries past n are ignored by the contract)
            tile.decodeKeys(pages.table[p0 / P].segment(), keyOffset(head), headDim, dst);
            return;
        }
        for (int d = 0; d < headDim; d++) {
            for (int i = 0; i < n; i++) {
                dst[d * P + i] = key(head, p0 + i, d);
            }
        }
    }

    @Override
    public void values(int head, int p0, int n, float[] dst) {
        int slot = p0 % P;
        if (slot + n <= P) {
            tile.decodeValues(pages.table[p0 / P].segment(), valueOffset(head), headDim, slot, n, dst);
            return;
        }
        // spans pages (never for the kernel's aligned blocks): page by page through a scratch block
        float[] part = new float[P * headDim];
        for (int done = 0; done < n; ) {
            int pos = p0 + done;
            int m = Math.min(n - done, P - pos % P);
            tile.decodeValues(pages.table[pos / P].segment(), valueOffset(head), headDim, pos % P, m, part);
            System.arraycopy(part, 0, dst, done * headDim, m * headDim);
            done += m;
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
        return tile.key(pages.table[pos / P].segment(), keyOffset(head), headDim, pos % P, d);
    }

    /**
     * Forgets positions from {@code newLength} on (speculative decoding rollback, prefix rewind). Keeps the page
     * the next position falls in, returns the pages beyond it.
     */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("truncate to " + newLength + " of " + length);
        }
        length = newLength;
        Pages p = pages;
        int keep = newLength / P + 1;
        while (p.count > keep) {
            pool.release(p.table[--p.count]);
            p.table[p.count] = null;
        }
    }

    /** Bytes of the pages this cache references (a page shared with a copy counts in both). */
    public long byteSize() {
        return pages.count * pool.pageBytes();
    }

    /** Pages referenced. */
    public int pageCount() {
        return pages.count;
    }

    /**
     * A copy holding the same positions, sharing this cache's pages copy-on-write: cheap (no data copied) until
     * either writes to a shared page.
     */
    public KvCache copy() {
        KvCache c = new KvCache(kvHeads, headDim, maxPositions, format);
        int used = (length + P - 1) / P;
        Pages from = pages;
        Pages to = c.pages;
        to.table = new KvPagePool.Page[Math.max(4, used)];
        for (int i = 0; i < used; i++) {
            pool.retain(from.table[i]);
            to.table[i] = from.table[i];
        }
        to.count = used;
        c.length = length;
        return c;
    }

    /** Returns every page to the pool; the cache is empty afterwards (and may grow again). Idempotent. */
    @Override
    public void close() {
        pages.run();
        length = 0;
    }
}
