package dev.nextinfer.tokenizer;

/**
 * Bad tokenizer input: an invalid {@code tokenizer.json} or {@code tokenizer_config.json}, an unreadable file,
 * a chat template that does not parse or fails while rendering. The message is one line and names the place
 * (a JSON path such as {@code $.model.merges[12]}, or a template line).
 */
public class TokenizerException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message. */
    public TokenizerException(String message) {
        super(oneLine(message));
    }

    /** An error with a one-line message and the exception that caused it. */
    public TokenizerException(String message, Throwable cause) {
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
