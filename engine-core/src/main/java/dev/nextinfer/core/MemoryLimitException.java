package dev.nextinfer.core;

/**
 * A generation (or a context length) that needs more memory than the model's limit allows, refused before any
 * compute. {@link #retryable()} tells the two cases apart: false when it could never fit (too many positions for
 * this machine, even alone), true when it fits alone but other running generations hold the memory now.
 */
public final class MemoryLimitException extends NextInferException {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    MemoryLimitException(String message, boolean retryable) {
        super(message);
        this.retryable = retryable;
    }

    /** Whether the same request may fit later, once other generations end. */
    public boolean retryable() {
        return retryable;
    }
}
