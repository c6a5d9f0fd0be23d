package dev.nextinfer.core;

/**
 * Base of every error the engine reports for bad input or misuse. Messages are one line and name the file,
 * field or tensor concerned and what was expected.
 */
public class NextInferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message. */
    public NextInferException(String message) {
        super(oneLine(message));
    }

    /** An error with a one-line message and its underlying cause. */
    public NextInferException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Longest message kept whole; a longer one keeps its start and end (a hostile name can be megabytes long). */
    static final int MAX_MESSAGE = 1000;

    /**
     * The message as one line of bounded length: line breaks and other control characters escaped (as
     * {@code \n}, or a backslash-u escape), and the middle of an overlong message cut. Names from hostile files and requests end up
     * in messages; this keeps the one-line promise whatever they contain.
     */
    static String oneLine(String message) {
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
