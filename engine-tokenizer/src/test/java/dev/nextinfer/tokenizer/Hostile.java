package dev.nextinfer.tokenizer;

/**
 * The oracle of the fuzz tests: on hostile input the only allowed failure is the project's documented exception
 * with a one-line message. Anything else — another exception (NullPointerException, IndexOutOfBounds, …), an
 * Error (OutOfMemoryError, StackOverflowError), a multi-line or empty message — escapes as a finding.
 */
public final class Hostile {
    /** Longest message accepted (the exceptions' own bound, plus room). */
    public static final int MAX_MESSAGE = 1100;

    private Hostile() {
    }

    /** Code under test. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    /**
     * Runs {@code action}; returns true if it completed, false if it failed with one of {@code documented} carrying
     * a one-line message. Every other outcome is thrown.
     */
    @SafeVarargs
    public static boolean survives(Action action, Class<? extends Exception>... documented) {
        try {
            action.run();
            return true;
        } catch (Exception e) {
            for (Class<? extends Exception> d : documented) {
                if (d.isInstance(e)) {
                    requireOneLine(e);
                    return false;
                }
            }
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError("undocumented checked exception", e);
        }
    }

    /** Fails unless {@code e}'s message is a single non-empty line of bounded length. */
    public static void requireOneLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            throw new AssertionError("no message: " + e.getClass().getName(), e);
        }
        if (m.indexOf('\n') >= 0 || m.indexOf('\r') >= 0 || m.length() > MAX_MESSAGE) {
            throw new AssertionError("not one line of at most " + MAX_MESSAGE + " characters (" + m.length() + "): "
                    + m.substring(0, Math.min(200, m.length())), e);
        }
    }
}
