package dev.nextinfer.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's built-in filters, plus Hugging Face's {@code tojson} (Python {@code json.dumps} with
 * {@code ensure_ascii=False}, not Jinja's HTML-escaping one).
 */
final class Filters {
    static final Set<String> NAMES = Set.of("abs", "attr", "batch", "capitalize", "center", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "forceescape", "format", "indent", "int", "items", "join",
            "last", "length", "list", "lower", "map", "max", "min", "pprint", "reject", "rejectattr", "replace",
            "reverse", "round", "safe", "select", "selectattr", "sort", "string", "striptags", "sum", "title",
            "tojson", "trim", "truncate", "unique", "upper", "wordcount");

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)");
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern TAGS = Pattern.compile("(<!--.*?-->|<[^>]*>)", Pattern.DOTALL);

    private Filters() {
    }

    static Object apply(String name, Object v, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "abs" -> {
                p(name, args, kw, 0);
                if (!Py.isNumber(v)) {
                    throw new PyError("bad operand type for abs(): '" + Py.typeName(v) + "'");
                }
                return Py.compare(v, 0L, "<") < 0 ? Py.negate(v) : (v instanceof Boolean ? Py.toLong(v) : v);
            }
            case "attr" -> {
                return Py.getAttr(v, p(name, args, kw, 1, "name").string(0, "name"));
            }
            case "batch" -> {
                Params p = p(name, args, kw, 2, "linecount", "fill_with");
                int size = p.integer(0, "linecount", 1);
                Object fill = p.get(1, "fill_with", null);
                if (fill != null) {
                    Sandbox.current().allocate(size); // the last batch is filled up to the size
                }
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                    cur.add(o);
                }
                if (!cur.isEmpty()) {
                    while (fill != null && cur.size() < size) {
                        cur.add(fill);
                    }
                    out.add(cur);
                }
                return out;
            }
            case "capitalize" -> {
                p(name, args, kw, 0);
                return Methods.capitalize(Py.str(v));
            }
            case "center" -> {
                int width = p(name, args, kw, 1, "width").integer(0, "width", 80);
                return Methods.pad(Py.str(v), width, " ", '^');
            }
            case "count", "length" -> {
                p(name, args, kw, 0);
                return (long) Py.len(v);
            }
            case "d", "default" -> {
                Params p = p(name, args, kw, 2, "default_value", "boolean");
                Object dflt = p.get(0, "default_value", "");
                boolean bool = p.bool(1, "boolean", false);
                return v instanceof Undefined || (bool && !Py.truthy(v)) ? dflt : v;
            }
            case "dictsort" -> {
                Params p = p(name, args, kw, 3, "case_sensitive", "by", "reverse");
                boolean cs = p.bool(0, "case_sensitive", false);
                Object by = p.get(1, "by", "key");
                boolean rev = p.bool(2, "reverse", false);
                int pos = "key".equals(by) ? 0 : "value".equals(by) ? 1 : -1;
                if (pos < 0) {
                    throw new PyError("You can only sort by either \"key\" or \"value\"");
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw new PyError("dictsort: a dict is required, not " + Py.typeName(v));
                }
                List<Object> items = new ArrayList<>();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    items.add(new PyTuple(Arrays.asList(e.getKey(), e.getValue())));
                }
                Comparator<Object> cmp = (a, b) -> Py.compare(sortKey(((PyTuple) a).items().get(pos), cs),
                        sortKey(((PyTuple) b).items().get(pos), cs), "<");
                sort(items, rev ? cmp.reversed() : cmp);
                return items;
            }
            case "e", "escape", "forceescape" -> {
                p(name, args, kw, 0);
                String s = Py.str(v);
                long grown = s.length();
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    grown += c == '&' || c == '<' || c == '>' ? 4 : c == '"' || c == '\'' ? 5 : 0;
                }
                Sandbox.current().allocate(grown);
                return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        .replace("\"", "&#34;").replace("'", "&#39;");
            }
            case "first" -> {
                p(name, args, kw, 0);
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No first item, sequence was empty.") : items.get(0);
            }
            case "last" -> {
                p(name, args, kw, 0);
                List<Object> items = Py.iterate(v);
                return items.isEmpty() ? new Undefined("No last item, sequence was empty.")
                        : items.get(items.size() - 1);
            }
            case "float" -> {
                Object dflt = p(name, args, kw, 1, "default").get(0, "default", 0.0);
                try {
                    if (Py.isNumber(v)) {
                        return Py.toDouble(v);
                    }
                    return Double.parseDouble(Py.str(v).strip().replace("_", ""));
                } catch (NumberFormatException e) {
                    return dflt;
                }
            }
            case "int" -> {
                Params p = p(name, args, kw, 2, "default", "base");
                Object dflt = p.get(0, "default", 0L);
                int base = p.integer(1, "base", 10);
                if (Py.isInt(v) || v instanceof Boolean) {
                    return Py.toLong(v);
                }
                if (Py.isFloat(v)) {
                    return (long) Py.toDouble(v);
                }
                String s = Py.str(v).strip().replace("_", "");
                try {
                    return Long.parseLong(s, base);
                } catch (NumberFormatException e) {
                    try {
                        return (long) Double.parseDouble(s);
                    } catch (NumberFormatException e2) {
                        return dflt;
                    }
                }
            }
            case "format" -> {
                if (!args.isEmpty() && !kw.isEmpty()) {
                    throw new PyError("can't handle positional and keyword arguments at the same time");
                }
                return Methods.percentFormat(Py.str(v), kw.isEmpty() ? new PyTuple(args) : kw);
            }
            case "indent" -> {
                Params p = p(name, args, kw, 3, "width", "first", "blank");
                Object w = p.get(0, "width", 4L);
                String ind;
                if (w instanceof String str) {
                    ind = str;
                } else {
                    int n = Math.max(0, Py.toIndex(w, "width"));
                    Sandbox.current().allocate(n);
                    ind = " ".repeat(n);
                }
                boolean first = p.bool(1, "first", false);
                boolean blank = p.bool(2, "blank", false);
                List<Object> lines = Methods.splitlines(Py.str(v) + "\n", false);
                StringBuilder sb = new StringBuilder();
                Sandbox box = Sandbox.current();
                for (int i = 0; i < lines.size(); i++) {
                    box.length(sb);
                    String line = (String) lines.get(i);
                    if (i > 0) {
                        sb.append('\n');
                        if (blank || !line.isEmpty()) {
                            sb.append(ind);
                        }
                    }
                    sb.append(line);
                }
                return first ? ind + sb : sb.toString();
            }
            case "items" -> {
                p(name, args, kw, 0);
                if (v instanceof Undefined) {
                    return List.of();
                }
                if (!(v instanceof Map)) {
                    throw new PyError("Can only get item pairs from a mapping.");
                }
                return Methods.call(v, "items", List.of(), Map.of());
            }
            case "join" -> {
                Params p = p(name, args, kw, 2, "d", "attribute");
                String sep = Py.str(p.get(0, "d", ""));
                Object attr = p.get(1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                List<Object> items = Py.iterate(v);
                Sandbox box = Sandbox.current();
                for (int i = 0; i < items.size(); i++) {
                    box.length(sb);
                    if (i > 0) {
                        sb.append(sep);
                    }
                    Object o = attr == null ? items.get(i) : attribute(items.get(i), attr, null);
                    sb.append(Py.str(o));
                }
                return sb.toString();
            }
            case "list" -> {
                p(name, args, kw, 0);
                return new ArrayList<>(Py.iterate(v));
            }
            case "lower" -> {
                p(name, args, kw, 0);
                return Py.str(v).toLowerCase(Locale.ROOT);
            }
            case "upper" -> {
                p(name, args, kw, 0);
                return Py.str(v).toUpperCase(Locale.ROOT);
            }
            case "map" -> {
                List<Object> out = new ArrayList<>();
                if (kw.containsKey("attribute")) {
                    Object attr = kw.get("attribute");
                    Object dflt = kw.get("default");
                    for (Object o : Py.iterate(v)) {
                        out.add(attribute(o, attr, dflt));
                    }
                    return out;
                }
                if (args.isEmpty()) {
                    throw new PyError("map requires a filter argument");
                }
                String filter = Py.str(args.get(0));
                List<Object> rest = args.subList(1, args.size());
                for (Object o : Py.iterate(v)) {
                    out.add(apply(filter, o, rest, kw));
                }
                return out;
            }
            case "max", "min" -> {
                Params p = p(name, args, kw, 2, "case_sensitive", "attribute");
                boolean cs = p.bool(0, "case_sensitive", false);
                Object attr = p.get(1, "attribute", null);
                List<Object> items = Py.iterate(v);
                if (items.isEmpty()) {
                    return new Undefined("No aggregated item, sequence was empty.");
                }
                Object best = items.get(0);
                for (Object o : items) {
                    int c = Py.compare(sortKey(attr == null ? o : attribute(o, attr, null), cs),
                            sortKey(attr == null ? best : attribute(best, attr, null), cs), "<");
                    if (name.equals("max") ? c > 0 : c < 0) {
                        best = o;
                    }
                }
                return best;
            }
            case "pprint" -> {
                return Py.repr(v);
            }
            case "select", "reject" -> {
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    boolean ok = args.isEmpty() ? Py.truthy(o)
                            : Tests.apply(Py.str(args.get(0)), o, args.subList(1, args.size()));
                    if (ok == name.equals("select")) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "selectattr", "rejectattr" -> {
                if (args.isEmpty()) {
                    throw new PyError(name + " requires an attribute argument");
                }
                Object attr = args.get(0);
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v)) {
                    Object a = attribute(o, attr, null);
                    boolean ok = args.size() < 2 ? Py.truthy(a)
                            : Tests.apply(Py.str(args.get(1)), a, args.subList(2, args.size()));
                    if (ok == name.equals("selectattr")) {
                        out.add(o);
                    }
                }
                return out;
            }
            case "replace" -> {
                Params p = p(name, args, kw, 3, "old", "new", "count");
                List<Object> margs = new ArrayList<>(List.of(p.string(0, "old"), p.string(1, "new")));
                Object count = p.get(2, "count", null);
                if (count != null) {
                    margs.add(count);
                }
                return Methods.call(Py.str(v), "replace", margs, Map.of());
            }
            case "reverse" -> {
                p(name, args, kw, 0);
                if (v instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> l = new ArrayList<>(Py.iterate(v));
                Collections.reverse(l);
                return l;
            }
            case "round" -> {
                Params p = p(name, args, kw, 2, "precision", "method");
                int precision = p.integer(0, "precision", 0);
                String method = Py.str(p.get(1, "method", "common"));
                double d = Py.toDouble(v);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    return d;
                }
                if (!List.of("common", "ceil", "floor").contains(method)) {
                    throw new PyError("method must be common, ceil or floor");
                }
                if (precision > 400) { // finer than any double: unchanged
                    return d;
                }
                if (precision < -400) { // coarser than any double: zero
                    return Math.copySign(0.0, d);
                }
                return switch (method) {
                    // Python's round(): the exact binary value, ties to even
                    case "common" -> new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).doubleValue();
                    case "ceil" -> Math.ceil(d * Math.pow(10, precision)) / Math.pow(10, precision);
                    case "floor" -> Math.floor(d * Math.pow(10, precision)) / Math.pow(10, precision);
                    default -> throw new PyError("method must be common, ceil or floor");
                };
            }
            case "safe", "string" -> {
                p(name, args, kw, 0);
                return Py.str(v);
            }
            case "sort" -> {
                Params p = p(name, args, kw, 3, "reverse", "case_sensitive", "attribute");
                boolean rev = p.bool(0, "reverse", false);
                boolean cs = p.bool(1, "case_sensitive", false);
                Object attr = p.get(2, "attribute", null);
                List<Object> l = new ArrayList<>(Py.iterate(v));
                Comparator<Object> cmp = (a, b) -> Py.compare(sortKey(attr == null ? a : attribute(a, attr, null), cs),
                        sortKey(attr == null ? b : attribute(b, attr, null), cs), "<");
                sort(l, rev ? cmp.reversed() : cmp);
                return l;
            }
            case "striptags" -> {
                String s = TAGS.matcher(Sandbox.current().timed(Py.str(v))).replaceAll("");
                return String.join(" ", Methods.split(s, null, -1).stream().map(Py::str).toList());
            }
            case "sum" -> {
                Params p = p(name, args, kw, 2, "attribute", "start");
                Object attr = p.get(0, "attribute", null);
                Object total = p.get(1, "start", 0L);
                for (Object o : Py.iterate(v)) {
                    total = Py.binary("+", total, attr == null ? o : attribute(o, attr, null));
                }
                return total;
            }
            case "title" -> {
                p(name, args, kw, 0);
                StringBuilder sb = new StringBuilder();
                Matcher m = WORD_BEGINNING.matcher(Sandbox.current().timed(Py.str(v)));
                int last = 0;
                String s = Py.str(v);
                while (m.find()) {
                    titleWord(s.substring(last, m.start()), sb);
                    sb.append(m.group());
                    last = m.end();
                }
                titleWord(s.substring(last), sb);
                return sb.toString();
            }
            case "tojson" -> {
                Params p = p(name, args, kw, 4, "ensure_ascii", "indent", "separators", "sort_keys");
                return PyJson.dumps(v, p.bool(0, "ensure_ascii", false), p.get(1, "indent", null),
                        p.get(2, "separators", null), p.bool(3, "sort_keys", false));
            }
            case "trim" -> {
                String chars = p(name, args, kw, 1, "chars").optString(0, "chars");
                return Methods.strip(Py.str(v), chars, true, true);
            }
            case "truncate" -> {
                Params p = p(name, args, kw, 4, "length", "killwords", "end", "leeway");
                String s = Py.str(v);
                int length = p.integer(0, "length", 255);
                boolean kill = p.bool(1, "killwords", false);
                String end = Py.str(p.get(2, "end", "..."));
                int leeway = p.integer(3, "leeway", 5);
                if (Methods.len(s) <= length + leeway) {
                    return s;
                }
                int cut = s.offsetByCodePoints(0, Math.min(Methods.len(s), Math.max(0, length - Methods.len(end))));
                if (kill) {
                    return s.substring(0, cut) + end;
                }
                String head = s.substring(0, cut);
                int sp = head.lastIndexOf(' ');
                return (sp >= 0 ? head.substring(0, sp) : head) + end;
            }
            case "unique" -> {
                Params p = p(name, args, kw, 2, "case_sensitive", "attribute");
                boolean cs = p.bool(0, "case_sensitive", false);
                Object attr = p.get(1, "attribute", null);
                List<Object> out = new ArrayList<>();
                List<Object> seen = new ArrayList<>();
                Sandbox box = Sandbox.current();
                for (Object o : Py.iterate(v)) {
                    box.checkTime(); // quadratic: bounded by the deadline
                    Object k = sortKey(attr == null ? o : attribute(o, attr, null), cs);
                    if (seen.stream().noneMatch(x -> Py.eq(x, k))) {
                        seen.add(k);
                        out.add(o);
                    }
                }
                return out;
            }
            case "wordcount" -> {
                Matcher m = WORD.matcher(Sandbox.current().timed(Py.str(v)));
                long n = 0;
                while (m.find()) {
                    n++;
                }
                return n;
            }
            default -> throw new PyError("no filter named '" + name + "'");
        }
    }

    /** Sorts as Python does; a comparison that is not a total order (NaN) is an error, not Java's exception. */
    private static void sort(List<Object> l, Comparator<Object> cmp) {
        try {
            l.sort(cmp);
        } catch (IllegalArgumentException e) {
            throw new PyError("sort: the values do not have a consistent order");
        }
    }

    private static void titleWord(String w, StringBuilder sb) {
        if (!w.isEmpty()) {
            int c = w.codePointAt(0);
            sb.append(new String(Character.toChars(c)).toUpperCase(Locale.ROOT))
                    .append(w.substring(Character.charCount(c)).toLowerCase(Locale.ROOT));
        }
    }

    private static Params p(String name, List<Object> args, Map<String, Object> kw, int max, String... names) {
        return new Params(name, args, kw, max, Set.of(names));
    }

    /** Lower-cases strings for the case-insensitive sorts and comparisons of Jinja's filters. */
    private static Object sortKey(Object o, boolean caseSensitive) {
        return !caseSensitive && o instanceof String s ? s.toLowerCase(Locale.ROOT) : o;
    }

    /** Jinja's attribute getter: {@code "a.b.0"} looks up items one dot-separated part at a time. */
    static Object attribute(Object o, Object attr, Object dflt) {
        Object cur = o;
        List<Object> parts = attr instanceof String s ? new ArrayList<>(Arrays.asList((Object[]) s.split("\\.")))
                : List.of(attr);
        for (Object part : parts) {
            Object key = part;
            if (part instanceof String ps && !ps.isEmpty() && ps.length() <= 18 && ps.chars().allMatch(c -> c >= '0' && c <= '9')) {
                key = Long.parseLong(ps);
            }
            cur = Py.getItem(cur, key);
        }
        if (cur instanceof Undefined && dflt != null) {
            return dflt;
        }
        return cur;
    }
}
