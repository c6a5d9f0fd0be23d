package dev.nextinfer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * An arena whose allocations are slices of {@link HugePages} slabs, for many long-lived buffers that are each smaller
 * than a huge page (a model's repacked expert matrices are ~0.1–1 MB pieces). Slabs are mapped from, and freed with,
 * the parent arena; allocations are never freed one by one. Where huge pages are not available, or a slab cannot be
 * mapped, it allocates from the parent as usual. Safe for concurrent use.
 */
public final class HugePageArena implements Arena {
    /** Slab size: large enough that the unused tail of each slab stays a small share. */
    static final long SLAB = 64L << 20;

    private final Arena parent;
    private MemorySegment slab;
    private long used;
    private long mapped;

    /** Allocates from {@code parent}'s lifetime: closing either closes both. */
    public HugePageArena(Arena parent) {
        this.parent = parent;
    }

    @Override
    public synchronized MemorySegment allocate(long byteSize, long byteAlignment) {
        if (byteSize < 0 || byteAlignment <= 0 || Long.bitCount(byteAlignment) != 1) {
            throw new IllegalArgumentException("invalid size " + byteSize + " or alignment " + byteAlignment);
        }
        if (!parent.scope().isAlive()) {
            throw new IllegalStateException("Already closed"); // slices of a dead slab would not say so
        }
        if (!HugePages.available() || byteAlignment > HugePages.SIZE || byteSize == 0) {
            return parent.allocate(byteSize, byteAlignment);
        }
        if (byteSize > SLAB / 4) { // big enough for huge pages of its own; keeps slab tails small
            MemorySegment own = HugePages.allocate(parent, byteSize);
            if (own == null) {
                return parent.allocate(byteSize, byteAlignment);
            }
            mapped += own.byteSize();
            return own.asSlice(0, byteSize);
        }
        long at = slab == null ? 0 : (used + byteAlignment - 1) & -byteAlignment;
        if (slab == null || at + byteSize > slab.byteSize()) {
            MemorySegment next = HugePages.allocate(parent, SLAB);
            if (next == null) {
                return parent.allocate(byteSize, byteAlignment);
            }
            slab = next;
            mapped += next.byteSize();
            at = 0;
        }
        used = at + byteSize;
        return slab.asSlice(at, byteSize);
    }

    /** Bytes mapped in huge-page slabs so far (0 where huge pages are not available). */
    public synchronized long mappedBytes() {
        return mapped;
    }

    @Override
    public MemorySegment.Scope scope() {
        return parent.scope();
    }

    @Override
    public void close() {
        parent.close();
    }
}
