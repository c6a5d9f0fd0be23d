package dev.nextinfer.core;

/** Argument checks for the public API: a null where a value is needed is bad input, reported in one line. */
final class Args {
    private Args() {
    }

    /** {@code value}, or a {@link NextInferException} naming {@code name}. */
    static <T> T required(T value, String name) {
        if (value == null) {
            throw new NextInferException(name + " must not be null");
        }
        return value;
    }

    /** A null listener means no listener. */
    static GenerationListener listener(GenerationListener l) {
        return l == null ? GenerationListener.NONE : l;
    }
}
