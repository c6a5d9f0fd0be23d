package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A mapping seen through {@link Segments#plain} is arena memory's class over the same bytes, lifetime and flags. */
class SegmentsTest {

    @Test
    void aMappingBecomesAPlainNativeViewOfTheSameBytes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("w.bin");
        byte[] bytes = new byte[4096 + 7];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (i * 31 + 5);
        }
        Files.write(file, bytes);
        MemorySegment plain;
        try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            MemorySegment mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, arena);
            plain = Segments.plain(mapped);
            assertTrue(mapped.isMapped());
            assertEquals(arena.allocate(8).getClass(), plain.getClass(), "arena memory's class");
            assertEquals(mapped.address(), plain.address());
            assertEquals(mapped.byteSize(), plain.byteSize());
            assertTrue(plain.isReadOnly(), "a read-only mapping stays read-only");
            assertEquals(-1L, plain.mismatch(MemorySegment.ofArray(bytes)));
            assertThrows(IllegalArgumentException.class, () -> plain.set(ValueLayout.JAVA_BYTE, 0, (byte) 1));
            MemorySegment again = Segments.plain(plain);
            assertSame(plain, again, "already plain");
            Matrix m = new Q4_0Matrix(plain.asSlice(0, 2 * 18 * 64), 2, 2048);
            float[] viaPlain = new float[2048];
            float[] viaMapping = new float[2048];
            m.row(1, viaPlain, 0);
            new Q4_0Matrix(mapped.asSlice(0, 2 * 18 * 64), 2, 2048).row(1, viaMapping, 0);
            assertEquals(java.util.Arrays.toString(viaMapping), java.util.Arrays.toString(viaPlain));
        }
        assertThrows(IllegalStateException.class, () -> plain.get(ValueLayout.JAVA_BYTE, 0), "closed with its arena");
    }

    @Test
    void heapAndArenaSegmentsAreReturnedAsTheyAre() {
        MemorySegment heap = MemorySegment.ofArray(new byte[16]);
        assertSame(heap, Segments.plain(heap));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64);
            assertSame(seg, Segments.plain(seg));
        }
    }
}
