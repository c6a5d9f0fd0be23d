package dev.nextinfer.tokenizer.jinja;

import java.util.HashMap;
import java.util.Map;

/**
 * Variables of one frame. Jinja2's scoping: every for-loop iteration, macro call and {@code with} block gets a
 * new frame, so {@code {% set %}} inside them is not seen after them (hence {@code namespace()}); {@code if}
 * blocks share the frame they are in.
 */
final class Scope {
    static final Object MISSING = new Object();

    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    /** The value of {@code name} here or in an enclosing frame, or {@link #MISSING}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            Object v = s.vars.getOrDefault(name, MISSING);
            if (v != MISSING) {
                return v;
            }
        }
        return MISSING;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
