package dev.nextinfer.core.config;

import dev.nextinfer.core.NextInferException;

/** {@code config.json} is missing, not JSON, or has a field of the wrong type or value. */
public final class ConfigException extends NextInferException {
    private static final long serialVersionUID = 1L;

    /** An error about a config file or field; the message names both. */
    public ConfigException(String message) {
        super(message);
    }

    /** As {@link #ConfigException(String)} with an underlying cause. */
    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
