package dev.nextinfer.tokenizer.jinja;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps}, which Hugging Face's {@code tojson} filter calls (instead of Jinja's HTML-safe
 * one): {@code ensure_ascii=False}, separators {@code ", "} and {@code ": "} (or {@code ","} with an indent),
 * keys in insertion order unless {@code sort_keys}, floats as Python's repr, {@code NaN}/{@code Infinity}
 * allowed. Only {@code \"}, {@code \\} and control characters below U+0020 are escaped (lowercase hex).
 */
final class PyJson {
    private final boolean ensureAscii;
    private final String indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;
    private final Sandbox box;

    private PyJson(boolean ensureAscii, String indent, String itemSep, String keySep, boolean sortKeys, Sandbox box) {
        this.box = box;
        this.ensureAscii = ensureAscii;
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
    }

    /**
     * {@code json.dumps(value, ensure_ascii, indent, separators, sort_keys)}.
     *
     * @param indent     null, an int (spaces per level) or a string
     * @param separators null or a 2-item list/tuple (item separator, key separator)
     */
    static String dumps(Object value, boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        String ind = null;
        if (indent != null && !(indent instanceof Undefined)) {
            if (indent instanceof String s) {
                ind = s;
            } else if (Py.isInt(indent)) {
                long n = Math.max(0, Py.toLong(indent));
                Sandbox.current().allocate(n);
                ind = " ".repeat((int) n);
            } else {
                throw new PyError("tojson: indent must be an int or a string, not " + Py.typeName(indent));
            }
        }
        String itemSep = ind == null ? ", " : ",";
        String keySep = ": ";
        if (separators != null && !(separators instanceof Undefined)) {
            List<Object> seps = Py.iterate(separators);
            if (seps.size() != 2 || !(seps.get(0) instanceof String a) || !(seps.get(1) instanceof String b)) {
                throw new PyError("tojson: separators must be a pair of strings");
            }
            itemSep = a;
            keySep = b;
        }
        StringBuilder sb = new StringBuilder();
        new PyJson(ensureAscii, ind, itemSep, keySep, sortKeys, Sandbox.current()).write(value, sb, 0);
        return sb.toString();
    }

    private void newline(StringBuilder sb, int level) {
        if (indent != null) {
            box.allocate(Py.saturatedProduct(indent.length(), level));
            sb.append('\n').append(indent.repeat(level));
        }
    }

    private void write(Object v, StringBuilder sb, int level) {
        box.length(sb);
        if (v instanceof List || v instanceof PyTuple || v instanceof Map) {
            box.enter(); // a value that contains itself ends here
            try {
                write0(v, sb, level);
            } finally {
                box.exit();
            }
        } else {
            write0(v, sb, level);
        }
    }

    private void write0(Object v, StringBuilder sb, int level) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof String s) {
            string(s, sb);
        } else if (Py.isInt(v)) {
            sb.append(v);
        } else if (Py.isFloat(v)) {
            sb.append(floatRepr(Py.toDouble(v)));
        } else if (v instanceof List || v instanceof PyTuple) {
            List<?> items = v instanceof PyTuple t ? t.items() : (List<?>) v;
            if (items.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < items.size(); i++) {
                if (i > 0) {
                    sb.append(itemSep);
                }
                newline(sb, level + 1);
                write(items.get(i), sb, level + 1);
            }
            newline(sb, level);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<String, Object>> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
            }
            if (sortKeys) {
                entries.sort((a, b) -> Py.compareCodePoints(a.getKey(), b.getKey()));
            }
            sb.append('{');
            for (int i = 0; i < entries.size(); i++) {
                if (i > 0) {
                    sb.append(itemSep);
                }
                newline(sb, level + 1);
                string(entries.get(i).getKey(), sb);
                sb.append(keySep);
                Object val = entries.get(i).getValue();
                write(val == NULL ? null : val, sb, level + 1);
            }
            newline(sb, level);
            sb.append('}');
        } else if (v instanceof Undefined u) {
            throw new PyError("Object of type Undefined is not JSON serializable (" + u.hint() + ")");
        } else {
            throw new PyError("Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static final Object NULL = new Object();

    private static String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (Py.isInt(k)) {
            return k.toString();
        }
        if (Py.isFloat(k)) {
            return floatRepr(Py.toDouble(k));
        }
        throw new PyError("keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return Py.formatFloat(d);
    }

    private void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7E)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
