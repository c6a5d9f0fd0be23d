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
        super(OneLine.of(message));
    }

    /** An error with a one-line message and the exception that caused it. */
    public TokenizerException(String message, Throwable cause) {
        super(OneLine.of(message), cause);
    }
}
