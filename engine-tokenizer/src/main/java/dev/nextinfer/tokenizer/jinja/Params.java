package dev.nextinfer.tokenizer.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Python-style argument binding for built-in filters, tests, methods and globals. */
final class Params {
    private final String function;
    private final List<Object> args;
    private final Map<String, Object> kwargs;

    Params(String function, List<Object> args, Map<String, Object> kwargs, int maxPositional,
           Set<String> allowedKeywords) {
        this.function = function;
        this.args = args;
        this.kwargs = kwargs;
        if (args.size() > maxPositional) {
            throw new PyError(function + "() takes at most " + maxPositional + " argument(s) (" + args.size()
                    + " given)");
        }
        for (String k : kwargs.keySet()) {
            if (!allowedKeywords.contains(k)) {
                throw new PyError(function + "() got an unexpected keyword argument '" + k + "'");
            }
        }
    }

    /** Argument {@code i} (positional) or {@code name} (keyword), else {@code dflt}. */
    Object get(int i, String name, Object dflt) {
        if (i < args.size()) {
            if (name != null && kwargs.containsKey(name)) {
                throw new PyError(function + "() got multiple values for argument '" + name + "'");
            }
            return args.get(i);
        }
        if (name != null && kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return dflt;
    }

    /** A required argument. */
    Object required(int i, String name) {
        Object marker = new Object();
        Object v = get(i, name, marker);
        if (v == marker) {
            throw new PyError(function + "() missing required argument '" + name + "'");
        }
        return v;
    }

    boolean bool(int i, String name, boolean dflt) {
        return Py.truthy(get(i, name, dflt));
    }

    /** An optional string argument (None allowed → null). */
    String optString(int i, String name) {
        Object v = get(i, name, null);
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw new PyError(function + "() argument '" + name + "' must be str or None, not " + Py.typeName(v));
    }

    String string(int i, String name) {
        Object v = required(i, name);
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.fail();
        }
        throw new PyError(function + "() argument '" + name + "' must be str, not " + Py.typeName(v));
    }

    int integer(int i, String name, int dflt) {
        Object v = get(i, name, (long) dflt);
        if (v == null) {
            return dflt;
        }
        return Py.toIndex(v, function + "() argument '" + name + "'");
    }
}
