package dev.nextinfer.core;

import java.util.List;

/**
 * Cuts generated text at the first stop string, matching across token boundaries: text that could still be the
 * start of a stop string is held back until the next piece decides, so a stop string is never emitted, not even
 * in part. Not thread-safe: one per generation.
 */
final class StopStringFilter {
    private final List<String> stops;
    private final StringBuilder held = new StringBuilder();
    private boolean stopped;

    StopStringFilter(List<String> stops) {
        this.stops = stops;
    }

    /** Whether a stop string has been seen. */
    boolean stopped() {
        return stopped;
    }

    /** Adds text; returns what can be emitted now (possibly ""). After a stop string, returns "" for ever. */
    String accept(String text) {
        if (stopped) {
            return "";
        }
        held.append(text);
        if (stops.isEmpty()) {
            return take(held.length());
        }
        int first = -1;
        for (String s : stops) {
            int i = held.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        if (first >= 0) {
            stopped = true;
            String out = held.substring(0, first);
            held.setLength(0);
            return out;
        }
        int keep = 0;
        for (String s : stops) {
            keep = Math.max(keep, suffixPrefixOverlap(held, s));
        }
        return take(held.length() - keep);
    }

    /** The end of the stream: everything held back (it did not turn into a stop string). */
    String flush() {
        return stopped ? "" : take(held.length());
    }

    private String take(int n) {
        String out = held.substring(0, n);
        held.delete(0, n);
        return out;
    }

    /** The longest k &lt; s.length() such that {@code text} ends with the first k characters of {@code s}. */
    static int suffixPrefixOverlap(CharSequence text, String s) {
        int max = Math.min(text.length(), s.length() - 1);
        for (int k = max; k > 0; k--) {
            boolean match = true;
            int off = text.length() - k;
            for (int i = 0; i < k; i++) {
                if (text.charAt(off + i) != s.charAt(i)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return k;
            }
        }
        return 0;
    }
}
