package dev.nextinfer.core.checkpoint;

import dev.nextinfer.core.NextInferException;

/** A checkpoint file or tensor is malformed, missing, or not what the config implies. */
public final class CheckpointException extends NextInferException {
    private static final long serialVersionUID = 1L;

    /** An error whose message names the file and tensor and what was expected. */
    public CheckpointException(String message) {
        super(message);
    }

    /** As {@link #CheckpointException(String)} with an underlying cause. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
