package dev.nextinfer.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Keeps every memory segment the kernels read of one implementation class.
 *
 * <p>A file mapping ({@code FileChannel.map}) is a different segment class from arena memory, and the JDK code
 * behind every vector load from a segment is shared by all callers, so its type profile is too: once a JVM has read
 * weights both from a mapped GGUF file and from arena memory (the KV cache, repacked or converted matrices), those
 * loads are compiled for two receiver classes and every kernel slows down. Measured on one thread, the exact Q4_0
 * mat-vec over 4096 × 2048 matrices: 21 G weights/s with native segments only, 15 with mapped ones only, 9–10 with
 * both in one JVM (docs/performance.md, "One segment class"). A mapping viewed through {@link #plain} is the same
 * memory, lifetime and read-only flag in arena memory's class.
 */
public final class Segments {
    private static final Class<?> PLAIN = MemorySegment.ofAddress(0).getClass();
    private static final boolean NATIVE_ACCESS = Segments.class.getModule().isNativeAccessEnabled();

    private Segments() {
    }

    /**
     * {@code segment} as a plain native segment (arena memory's class) over the same addresses, with the same
     * lifetime and read-only flag; {@code segment} itself when it is already one, is on the heap, or native access
     * is not enabled for this module ({@code --enable-native-access}; {@link MemorySegment#reinterpret(long)} is a
     * restricted method), in which case the kernels still work, slower.
     */
    public static MemorySegment plain(MemorySegment segment) {
        if (!segment.isNative() || segment.getClass() == PLAIN || !NATIVE_ACCESS) {
            return segment;
        }
        MemorySegment view = segment.reinterpret(segment.byteSize());
        return segment.isReadOnly() ? view.asReadOnly() : view;
    }
}
