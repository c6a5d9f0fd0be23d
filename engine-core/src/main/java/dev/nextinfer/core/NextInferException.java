package dev.nextinfer.core;

import dev.nextinfer.tokenizer.OneLine;

/**
 * Base of every error the engine reports for bad input or misuse. Messages are one line and name the file,
 * field or tensor concerned and what was expected.
 */
public class NextInferException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message. */
    public NextInferException(String message) {
        super(OneLine.of(message));
    }

    /** An error with a one-line message and its underlying cause. */
    public NextInferException(String message, Throwable cause) {
        super(OneLine.of(message), cause);
    }
}
