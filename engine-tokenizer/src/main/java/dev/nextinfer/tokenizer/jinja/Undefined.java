package dev.nextinfer.tokenizer.jinja;

/**
 * Jinja2's default {@code Undefined}: what a missing variable, key or attribute evaluates to. It prints as the
 * empty string, is false, iterates as empty and has length 0; any other use (attribute, item, arithmetic, call,
 * {@code tojson}) fails with the reason it is undefined.
 *
 * @param hint why it is undefined, e.g. {@code 'foo' is undefined} or {@code 'dict object' has no attribute 'x'}
 */
record Undefined(String hint) {
    /** The error for using this value where a real one is needed. */
    PyError fail() {
        return new PyError(hint);
    }
}
