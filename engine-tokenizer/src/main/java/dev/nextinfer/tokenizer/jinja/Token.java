package dev.nextinfer.tokenizer.jinja;

/**
 * A lexer token.
 *
 * @param kind  what it is
 * @param text  template text (DATA), the name, the operator, the decoded string literal, or the number's source
 * @param line  1-based line in the template (for error messages)
 */
record Token(Kind kind, String text, int line) {
    enum Kind { DATA, VAR_BEGIN, VAR_END, BLOCK_BEGIN, BLOCK_END, NAME, STRING, INTEGER, FLOAT, OP, EOF }

    boolean is(Kind k, String t) {
        return kind == k && text.equals(t);
    }

    boolean isName(String name) {
        return is(Kind.NAME, name);
    }

    boolean isOp(String op) {
        return is(Kind.OP, op);
    }

    @Override
    public String toString() {
        return switch (kind) {
            case EOF -> "end of template";
            case DATA -> "template text";
            case VAR_BEGIN -> "'{{'";
            case VAR_END -> "'}}'";
            case BLOCK_BEGIN -> "'{%'";
            case BLOCK_END -> "'%}'";
            case STRING -> "string literal";
            default -> "'" + text + "'";
        };
    }
}
