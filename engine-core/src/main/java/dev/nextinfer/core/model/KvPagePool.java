package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.kernels.HugePageArena;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Off-heap memory for KV caches, in pages of one size, reference counted so that copies of a cache can share
 * pages copy-on-write. Pages are cut from slabs of {@value #SLAB_SIZE} bytes, each slab its own shared
 * {@link Arena}: a slab is returned to the operating system (its arena closed) as soon as its last page is
 * released, so memory is not bounded by {@code -Xmx}, never copied to grow, and freed when the caches using it are
 * closed. Slabs are larger than glibc's largest mmap threshold (32 MiB), so every slab is its own mapping and
 * freeing one unmaps it (smaller blocks may be carved from malloc's heap once the threshold has adapted upwards, and
 * then stay resident after they are freed). One pool per page size, shared by every model in the JVM
 * ({@link #forPageBytes}). Thread-safe.
 */
public final class KvPagePool {
    /** Slab size (rounded up to whole pages). */
    static final long SLAB_SIZE = 64L << 20;

    private static final ConcurrentHashMap<Long, KvPagePool> POOLS = new ConcurrentHashMap<>();
    private static final AtomicLong SLAB_BYTES = new AtomicLong();
    private static final AtomicLong PAGE_BYTES = new AtomicLong();

    private final long pageBytes;
    private final int pagesPerSlab;
    /** Slabs with at least one free page, most recently created last. */
    private final List<Slab> withFree = new ArrayList<>();
    private long slabBytes;
    private long usedBytes;

    private KvPagePool(long pageBytes) {
        this.pageBytes = pageBytes;
        this.pagesPerSlab = (int) Math.max(1, (SLAB_SIZE + pageBytes - 1) / pageBytes);
    }

    /** The shared pool of pages of {@code pageBytes} bytes (a multiple of 64). */
    public static KvPagePool forPageBytes(long pageBytes) {
        if (pageBytes <= 0 || pageBytes % 64 != 0) {
            throw new IllegalArgumentException("page size must be a positive multiple of 64, got " + pageBytes);
        }
        return POOLS.computeIfAbsent(pageBytes, KvPagePool::new);
    }

    /** Bytes of off-heap memory all pools hold from the operating system (whole slabs). */
    public static long committedBytes() {
        return SLAB_BYTES.get();
    }

    /** Bytes of pages in use by caches, over all pools. */
    public static long inUseBytes() {
        return PAGE_BYTES.get();
    }

    /** Bytes this pool holds from the operating system (whole slabs). */
    public synchronized long slabBytes() {
        return slabBytes;
    }

    /** Bytes of this pool's pages in use. */
    public synchronized long usedBytes() {
        return usedBytes;
    }

    /** Bytes of one page. */
    public long pageBytes() {
        return pageBytes;
    }

    /** A page of this pool, referenced once. Its content is unspecified (zeros, or what an earlier user wrote). */
    public synchronized Page allocate() {
        Slab s = withFree.isEmpty() ? newSlab() : withFree.getLast();
        Page p = s.take();
        if (s.freeCount == 0) {
            withFree.remove(s);
        }
        p.refs = 1;
        usedBytes += pageBytes;
        PAGE_BYTES.addAndGet(pageBytes);
        return p;
    }

    /** Adds a reference to {@code p} (a cache copy shares it). */
    public synchronized void retain(Page p) {
        if (p.refs <= 0) {
            throw new IllegalStateException("page already released");
        }
        p.refs++;
    }

    /** Whether {@code p} is referenced more than once (a write must copy it first). */
    public synchronized boolean isShared(Page p) {
        return p.refs > 1;
    }

    /** Drops a reference to {@code p}; the last one returns it to its slab, and an empty slab to the system. */
    public synchronized void release(Page p) {
        if (p.refs <= 0) {
            throw new IllegalStateException("page already released");
        }
        if (--p.refs > 0) {
            return;
        }
        usedBytes -= pageBytes;
        PAGE_BYTES.addAndGet(-pageBytes);
        Slab s = p.slab;
        s.give(p);
        if (s.freeCount == 1) {
            withFree.add(s);
        }
        if (s.freeCount == pagesPerSlab) {
            withFree.remove(s);
            s.arena.close();
            slabBytes -= s.bytes;
            SLAB_BYTES.addAndGet(-s.bytes);
        }
    }

    private Slab newSlab() {
        long bytes = pageBytes * pagesPerSlab;
        // decode at depth streams the whole cache every token: huge pages where the system has them (a slab is
        // larger than the arena's own slabs, so it is a mapping of its own, unmapped when this arena closes)
        Arena arena = new HugePageArena(Arena.ofShared());
        MemorySegment mem;
        try {
            mem = arena.allocate(bytes, 64);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new NextInferException(String.format(Locale.ROOT,
                    "cannot allocate %.1f MB more off-heap memory for the KV cache (%.2f GB held already): %s",
                    bytes / 1e6, SLAB_BYTES.get() / 1e9, e.getMessage()));
        }
        slabBytes += bytes;
        SLAB_BYTES.addAndGet(bytes);
        Slab s = new Slab(arena, mem, bytes);
        withFree.add(s);
        return s;
    }

    /** A page: {@code segment()} of {@link #pageBytes()} bytes. */
    public static final class Page {
        private final MemorySegment segment;
        private final Slab slab;
        private final int index;
        private int refs;

        private Page(MemorySegment segment, Slab slab, int index) {
            this.segment = segment;
            this.slab = slab;
            this.index = index;
        }

        /** The page's memory. */
        public MemorySegment segment() {
            return segment;
        }
    }

    private final class Slab {
        final Arena arena;
        final long bytes;
        final Page[] pages;
        final int[] free;
        int freeCount;

        Slab(Arena arena, MemorySegment mem, long bytes) {
            this.arena = arena;
            this.bytes = bytes;
            this.pages = new Page[pagesPerSlab];
            this.free = new int[pagesPerSlab];
            for (int i = 0; i < pagesPerSlab; i++) {
                pages[i] = new Page(mem.asSlice(i * pageBytes, pageBytes), this, i);
                free[i] = pagesPerSlab - 1 - i; // take from the front of the slab first
            }
            freeCount = pagesPerSlab;
        }

        Page take() {
            return pages[free[--freeCount]];
        }

        void give(Page p) {
            free[freeCount++] = p.index;
        }
    }
}
