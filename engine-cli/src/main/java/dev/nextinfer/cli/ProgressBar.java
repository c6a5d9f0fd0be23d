package dev.nextinfer.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar on stderr for long work (loading, quantising, writing). Redraws at most every 100 ms;
 * stays silent for work that finishes within a second or when stderr is not a terminal and the work is short.
 */
public final class ProgressBar implements AutoCloseable {
    private final String label;
    private final PrintStream err = System.err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    /** A bar labelled {@code label}. */
    public ProgressBar(String label) {
        this.label = label;
    }

    /** Reports {@code done} of {@code total} bytes. */
    public void update(long done, long total, String what) {
        long now = System.nanoTime();
        if (now - start < 1_000_000_000L || (now - lastDraw < 100_000_000L && done < total)) {
            return;
        }
        lastDraw = now;
        drawn = true;
        double f = total <= 0 ? 1 : Math.min(1, (double) done / total);
        int width = 30;
        int fill = (int) Math.round(f * width);
        double secs = (now - start) / 1e9;
        String bar = "=".repeat(fill) + " ".repeat(width - fill);
        err.printf("\r%s [%s] %3.0f%% %s/%s %.0fs ", label, bar, 100 * f, human(done), human(total), secs);
        err.flush();
    }

    /** Formats a byte count as {@code 12.3 GB}. */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.1f %s", v, units[u]);
    }

    @Override
    public void close() {
        if (drawn) {
            err.println();
        }
    }
}
