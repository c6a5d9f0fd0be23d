package dev.nextinfer.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Locale;

/**
 * Anonymous memory in transparent huge pages (2 MiB) where the system offers them: Linux on x86-64 or AArch64, with
 * the JVM's native access enabled for this code ({@code --enable-native-access=ALL-UNNAMED}, as the launcher and
 * the test runs pass). Elsewhere {@link #available()} is false and callers allocate as before.
 *
 * <p>Why: decoding streams gigabytes of repacked weights (and, at depth, the KV cache) per token. With 4 KiB pages
 * that is one TLB miss per 4 KiB, and the hardware prefetchers stop at every 4 KiB boundary; most Linux machines
 * leave transparent huge pages to {@code madvise} mode, so memory gets them only when asked. Here each mapping is
 * made with {@code mmap}, 2 MiB-aligned, and marked {@code MADV_HUGEPAGE} before anything touches it.
 */
public final class HugePages {
    /** The huge page size this class aligns to: 2 MiB, x86-64's and AArch64's (4 KiB granule) PMD size. */
    public static final long SIZE = 2L << 20;

    private static final int PROT_READ_WRITE = 0x1 | 0x2;
    private static final int MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20;
    private static final int MADV_HUGEPAGE = 14;

    private static final MethodHandle MMAP;
    private static final MethodHandle MUNMAP;
    private static final MethodHandle MADVISE;
    private static final String UNAVAILABLE;

    static {
        MethodHandle mmap = null;
        MethodHandle munmap = null;
        MethodHandle madvise = null;
        String why = null;
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            why = "not Linux";
        } else if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            why = "not x86-64 or AArch64";
        } else if (!HugePages.class.getModule().isNativeAccessEnabled()) {
            why = "native access not enabled (--enable-native-access=ALL-UNNAMED)";
        } else {
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            } catch (RuntimeException | Error e) {
                mmap = munmap = madvise = null;
                why = "libc's mmap/munmap/madvise not found: " + e;
            }
        }
        MMAP = mmap;
        MUNMAP = munmap;
        MADVISE = madvise;
        UNAVAILABLE = why;
    }

    private HugePages() {
    }

    /** Whether {@link #allocate} maps memory itself (else it always returns null). */
    public static boolean available() {
        return UNAVAILABLE == null;
    }

    /** Why {@link #available()} is false (null when it is true). */
    public static String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * {@code bytes} (rounded up to {@link #SIZE}) of zeroed memory, aligned to {@link #SIZE} and marked for huge
     * pages, unmapped when {@code arena} closes (or, for an automatic arena, when the segment is unreachable).
     *
     * @return the memory, or null when huge pages are not {@link #available()} or the system refused the mapping
     *         (then the caller allocates its memory some other way)
     */
    public static MemorySegment allocate(Arena arena, long bytes) {
        if (UNAVAILABLE == null && bytes > 0 && bytes <= Long.MAX_VALUE / 2) {
            try {
                return map(arena, (bytes + SIZE - 1) / SIZE * SIZE);
            } catch (Throwable e) {
                return null; // the caller's own allocation reports the failure, if there is one
            }
        }
        return null;
    }

    private static MemorySegment map(Arena arena, long length) throws Throwable {
        // Map one huge page more than asked, keep the aligned part and give back the rest: mmap aligns to 4 KiB only.
        long span = length + SIZE;
        MemorySegment p = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, span, PROT_READ_WRITE, MAP_PRIVATE_ANONYMOUS,
                -1, 0L);
        long start = p.address();
        if (start == -1L || start == 0L) {
            return null;
        }
        long aligned = (start + SIZE - 1) & -SIZE;
        if (aligned > start) {
            unmap(start, aligned - start);
        }
        long end = aligned + length;
        if (start + span > end) {
            unmap(end, start + span - end);
        }
        int ignored = (int) MADVISE.invokeExact(MemorySegment.ofAddress(aligned), length, MADV_HUGEPAGE); // a hint only
        return MemorySegment.ofAddress(aligned).reinterpret(length, arena, s -> unmap(s.address(), length));
    }

    private static void unmap(long address, long length) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), length);
        } catch (Throwable e) {
            throw new IllegalStateException("munmap failed", e);
        }
    }
}
