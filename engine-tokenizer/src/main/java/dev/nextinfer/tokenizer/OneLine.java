package dev.nextinfer.tokenizer;

/**
 * Error messages as one line of bounded length, the promise every exception of the engine keeps
 * ({@link TokenizerException} here, {@code NextInferException} in engine-core, which depends on this module). Names
 * from hostile files and requests end up in messages; this keeps them to one line whatever they contain.
 */
public final class OneLine {
    /** Longest message kept whole; a longer one keeps its start and end (a hostile name can be megabytes long). */
    public static final int MAX_MESSAGE = 1000;

    private OneLine() {
    }

    /**
     * The message as one line of bounded length: line breaks and other control characters escaped (as
     * {@code \n}, or a backslash-u escape), and the middle of an overlong message cut; null stays null.
     */
    public static String of(String message) {
        if (message == null) {
            return null;
        }
        StringBuilder sb = null;
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                if (sb == null) {
                    sb = new StringBuilder(message.length() + 16).append(message, 0, i);
                }
                switch (c) {
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    default -> sb.append(String.format("\\u%04x", (int) c));
                }
            } else if (sb != null) {
                sb.append(c);
            }
        }
        String s = sb == null ? message : sb.toString();
        if (s.length() <= MAX_MESSAGE) {
            return s;
        }
        int head = MAX_MESSAGE * 7 / 10;
        int tail = MAX_MESSAGE - head - 40;
        if (Character.isHighSurrogate(s.charAt(head - 1))) {
            head--;
        }
        int from = s.length() - tail;
        if (Character.isLowSurrogate(s.charAt(from))) {
            from++;
        }
        return s.substring(0, head) + " … (" + (from - head) + " characters cut) … " + s.substring(from);
    }
}
