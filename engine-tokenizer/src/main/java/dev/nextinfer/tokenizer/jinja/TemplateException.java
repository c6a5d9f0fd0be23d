package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.TokenizerException;

/**
 * A chat template that does not parse, or that fails while rendering (an undefined value used where a value is
 * needed, a type error, or the template's own {@code raise_exception(...)}). The message is one line and names
 * the template line.
 */
public final class TemplateException extends TokenizerException {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message. */
    public TemplateException(String message) {
        super(message);
    }
}
