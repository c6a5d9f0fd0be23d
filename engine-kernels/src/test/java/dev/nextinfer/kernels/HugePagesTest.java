package dev.nextinfer.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * {@link HugePages} and {@link HugePageArena}: on Linux x86-64 (this build's test machines, which run with
 * {@code --enable-native-access=ALL-UNNAMED}) the mappings are made, aligned, zeroed, given huge pages where the
 * system's transparent huge pages are not off, and unmapped with their arena; the arena's slices never overlap.
 */
class HugePagesTest {
    private static final boolean LINUX_X86 = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
            && List.of("amd64", "x86_64").contains(System.getProperty("os.arch", ""));

    @Test
    void availableOnLinuxWithNativeAccess() {
        if (LINUX_X86) {
            assertTrue(HugePages.available(), () -> "huge pages unavailable: " + HugePages.unavailableReason());
        } else {
            assertEquals(HugePages.available(), HugePages.unavailableReason() == null);
        }
    }

    @Test
    void mappingIsAlignedZeroedWritableAndUnmappedWithItsArena() {
        Arena arena = Arena.ofShared();
        MemorySegment m = HugePages.allocate(arena, 3 * HugePages.SIZE + 1);
        if (!HugePages.available()) {
            assertNull(m);
            arena.close();
            return;
        }
        assertEquals(4 * HugePages.SIZE, m.byteSize());
        assertEquals(0, m.address() % HugePages.SIZE);
        for (long i = 0; i < m.byteSize(); i += 4093) {
            assertEquals(0, m.get(ValueLayout.JAVA_BYTE, i), "not zeroed at " + i);
        }
        m.fill((byte) 7);
        assertEquals(7, m.get(ValueLayout.JAVA_BYTE, m.byteSize() - 1));
        arena.close();
        assertThrows(IllegalStateException.class, () -> m.get(ValueLayout.JAVA_BYTE, 0));
    }

    @Test
    void nothingToMapGivesNull() {
        try (Arena arena = Arena.ofConfined()) {
            assertNull(HugePages.allocate(arena, 0));
            assertNull(HugePages.allocate(arena, -5));
        }
    }

    /** The point of the mapping: with transparent huge pages in {@code madvise} or {@code always} mode it gets some. */
    @Test
    void touchedMappingHasHugePagesUnlessTheSystemTurnedThemOff() throws IOException {
        Path mode = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (!HugePages.available() || !Files.isReadable(mode) || Files.readString(mode).contains("[never]")) {
            assertTrue(!LINUX_X86 || Files.isReadable(mode), "no " + mode + " on Linux x86-64");
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment m = HugePages.allocate(arena, 16 * HugePages.SIZE);
            m.fill((byte) 1);
            long kb = anonHugeKb(m.address());
            assertTrue(kb >= HugePages.SIZE / 1024, "AnonHugePages of the 32 MiB mapping: " + kb + " kB");
        }
    }

    @Test
    void arenaSlicesAreAlignedAndDisjointUnderConcurrency() throws Exception {
        try (HugePageArena arena = new HugePageArena(Arena.ofShared())) {
            List<MemorySegment> all = new ArrayList<>();
            ExecutorService ex = Executors.newFixedThreadPool(4);
            List<Future<List<MemorySegment>>> parts = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                parts.add(ex.submit(() -> {
                    List<MemorySegment> mine = new ArrayList<>();
                    java.util.Random r = new java.util.Random(seed);
                    for (int i = 0; i < 200; i++) {
                        long size = 1 + r.nextInt(300_000);
                        long align = 1L << r.nextInt(13);
                        MemorySegment s = arena.allocate(size, align);
                        assertEquals(size, s.byteSize());
                        assertEquals(0, s.address() % align, "alignment " + align);
                        s.fill((byte) seed); // every byte is usable
                        mine.add(s);
                    }
                    return mine;
                }));
            }
            for (Future<List<MemorySegment>> f : parts) {
                all.addAll(f.get());
            }
            ex.shutdown();
            MemorySegment big = arena.allocate(HugePageArena.SLAB / 2 + 3, 64); // a mapping of its own
            assertEquals(HugePageArena.SLAB / 2 + 3, big.byteSize());
            all.add(big);
            all.sort(Comparator.comparingLong(MemorySegment::address));
            for (int i = 1; i < all.size(); i++) {
                MemorySegment a = all.get(i - 1);
                assertTrue(a.address() + a.byteSize() <= all.get(i).address(), "slices overlap");
            }
            assertEquals(HugePages.available(), arena.mappedBytes() >= HugePageArena.SLAB);
            assertThrows(IllegalArgumentException.class, () -> arena.allocate(8, 3));
        }
    }

    @Test
    void closingTheArenaClosesItsParentAndItsSlices() {
        Arena parent = Arena.ofShared();
        HugePageArena arena = new HugePageArena(parent);
        MemorySegment s = arena.allocate(1000, 8);
        assertEquals(parent.scope(), arena.scope());
        arena.close();
        assertTrue(!parent.scope().isAlive());
        assertThrows(IllegalStateException.class, () -> s.get(ValueLayout.JAVA_BYTE, 0));
        assertThrows(IllegalStateException.class, () -> arena.allocate(10, 8));
    }

    /** The AnonHugePages of the {@code /proc/self/smaps} entry holding {@code address}. */
    private static long anonHugeKb(long address) throws IOException {
        boolean inside = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long lo = Long.parseUnsignedLong(line.substring(0, dash), 16);
                long hi = Long.parseUnsignedLong(line.substring(dash + 1, space), 16);
                inside = lo <= address && address < hi;
            } else if (inside && line.startsWith("AnonHugePages:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }
}
