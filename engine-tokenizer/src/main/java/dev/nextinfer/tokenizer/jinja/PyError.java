package dev.nextinfer.tokenizer.jinja;

/**
 * An error raised while evaluating (a Python TypeError, an UndefinedError, …). The interpreter adds the template
 * line of the innermost expression and turns it into a {@link TemplateException}.
 */
final class PyError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    int line = -1;

    PyError(String message) {
        super(message, null, false, false);
    }
}
