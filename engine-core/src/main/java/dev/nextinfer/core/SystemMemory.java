package dev.nextinfer.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the machine offers this process: the basis of the memory limit when none is given. */
final class SystemMemory {
    private SystemMemory() {
    }

    /**
     * Bytes this process may use: on Linux the kernel's {@code MemAvailable} (free memory plus reclaimable caches,
     * which includes the page cache of weight files not yet mapped) plus the anonymous memory this process already
     * holds, capped by the physical (or container) memory; elsewhere 90% of physical memory.
     */
    static long available() {
        long total = total();
        long avail = procKb(Path.of("/proc/meminfo"), "MemAvailable:");
        if (avail > 0) {
            long own = Math.max(0, procKb(Path.of("/proc/self/status"), "RssAnon:"));
            return total > 0 ? Math.min(total, avail + own) : avail + own;
        }
        return total > 0 ? (long) (total * 0.9) : Long.MAX_VALUE;
    }

    /** Physical memory, or the container's limit (the JDK reads cgroups); 0 if unknown. */
    static long total() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    /** A {@code kB} field of a /proc file in bytes, or -1. */
    private static long procKb(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return -1;
    }
}
