package dev.nextinfer.tokenizer.jinja;

import java.util.Locale;

/**
 * The bounds of one render ({@link JinjaTemplate.Limits}), counted as it runs: steps (statements and expressions
 * evaluated), loop iterations, the size of every string or list the template makes (checked before it is made)
 * and of the output, the total it allocates, the depth of macro calls and nested values, and a deadline. A
 * template that exceeds one fails with a {@link PyError} (so a {@link TemplateException} naming the line and the
 * bound) instead of hanging or exhausting memory. Chat templates come inside model files from strangers; this is
 * the equivalent of Jinja2's sandboxed environment plus the resource limits it leaves to the host.
 *
 * <p>One per render, on the rendering thread ({@link #current()}); rendering never spawns threads.
 */
final class Sandbox {
    private static final ThreadLocal<Sandbox> CURRENT = new ThreadLocal<>();
    /** Allocation budget as a multiple of the output limit: the garbage a render may make in all. */
    static final int ALLOCATION_FACTOR = 16;

    private final JinjaTemplate.Limits limits;
    private final long deadline;
    private final long maxAllocated;
    private long steps;
    private long iterations;
    private long allocated;
    private int depth;

    private Sandbox(JinjaTemplate.Limits limits) {
        this.limits = limits;
        this.deadline = System.nanoTime() + limits.maxMillis() * 1_000_000L;
        this.maxAllocated = (long) limits.maxOutputChars() * ALLOCATION_FACTOR;
    }

    /** The sandbox of the render running on this thread (outside a render: a fresh one with the default limits). */
    static Sandbox current() {
        Sandbox s = CURRENT.get();
        return s != null ? s : new Sandbox(JinjaTemplate.Limits.DEFAULT);
    }

    /** Installs a fresh sandbox for a render on this thread; the returned handle restores the previous one. */
    static Sandbox open(JinjaTemplate.Limits limits) {
        Sandbox s = new Sandbox(limits);
        s.previous = CURRENT.get();
        CURRENT.set(s);
        return s;
    }

    private Sandbox previous;

    void close() {
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }

    /** One statement or expression; also checks the deadline now and then. */
    void step() {
        if (++steps > limits.maxSteps()) {
            throw exceeded(limits.maxSteps() + " evaluation steps");
        }
        if ((steps & 1023) == 0) {
            checkTime();
        }
    }

    void checkTime() {
        if (System.nanoTime() - deadline > 0) {
            throw exceeded(limits.maxMillis() + " ms of rendering time");
        }
    }

    /** {@code n} more loop iterations. */
    void iterate(long n) {
        iterations += n;
        if (iterations > limits.maxLoopIterations() || n < 0) {
            throw exceeded(limits.maxLoopIterations() + " loop iterations");
        }
    }

    /** A string (chars) or list (elements) of {@code size} is about to be made: checked before it is. */
    void allocate(long size) {
        if (size > limits.maxOutputChars() || size < 0) {
            throw exceeded(limits.maxOutputChars() + " characters (or elements) in one value: this one would have "
                    + (size < 0 ? "more than " + Long.MAX_VALUE : String.valueOf(size)));
        }
        allocated += size;
        if (allocated > maxAllocated) {
            throw exceeded(maxAllocated + " characters (or elements) made in all");
        }
    }

    /** A buffer being built (output, repr, JSON): fails once it passes the output limit. */
    void length(StringBuilder sb) {
        if (sb.length() > limits.maxOutputChars()) {
            throw exceeded(limits.maxOutputChars() + " characters of output");
        }
    }

    /**
     * Entering a nested evaluation: a statement, an expression, a macro call, a value being printed. Pair with
     * {@link #exit()}. Bounds the Java stack a render uses, whatever the template or its data nest.
     */
    void enter() {
        if (++depth > limits.maxDepth()) {
            depth--;
            throw exceeded("a nesting depth of " + limits.maxDepth()
                    + " (deeply nested expressions or values, recursive macros, or a value that contains itself)");
        }
    }

    void exit() {
        if (depth > 0) {
            depth--;
        }
    }

    /**
     * {@code s} for a regular expression to scan: the deadline is checked as the matcher reads it, so a pattern
     * that backtracks badly on a long input still stops in time.
     */
    CharSequence timed(String s) {
        return new CharSequence() {
            private int reads;

            @Override
            public int length() {
                return s.length();
            }

            @Override
            public char charAt(int index) {
                if ((++reads & 4095) == 0) {
                    checkTime();
                }
                return s.charAt(index);
            }

            @Override
            public CharSequence subSequence(int start, int end) {
                return s.subSequence(start, end);
            }

            @Override
            public String toString() {
                return s;
            }
        };
    }

    private static PyError exceeded(String what) {
        return new PyError(String.format(Locale.ROOT, "the template exceeded the sandbox's limit of %s", what));
    }
}
