package dev.nextinfer.tokenizer.jinja;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Python methods templates call on values: {@code str} ({@code strip}, {@code split}, {@code startswith}, …),
 * {@code dict} ({@code get}, {@code items}, {@code keys}, {@code values}) and {@code list}
 * ({@code index}, {@code count}). Mutating methods ({@code append}, {@code update}, …) are refused as Hugging
 * Face's ImmutableSandboxedEnvironment refuses them.
 */
final class Methods {
    private static final Set<String> STR = Set.of("capitalize", "casefold", "center", "count", "endswith", "find",
            "format", "index", "isalnum", "isalpha", "isdecimal", "isdigit", "islower", "isnumeric", "isspace",
            "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
            "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split", "splitlines",
            "startswith", "strip", "swapcase", "title", "upper", "zfill");
    private static final Set<String> DICT = Set.of("get", "items", "keys", "values", "copy");
    private static final Set<String> DICT_UNSAFE = Set.of("clear", "pop", "popitem", "setdefault", "update");
    private static final Set<String> LIST = Set.of("index", "count", "copy");
    private static final Set<String> LIST_UNSAFE = Set.of("append", "extend", "insert", "pop", "remove", "reverse",
            "sort", "clear");

    private Methods() {
    }

    /** The method {@code name} of {@code o} (bound), an Undefined for an unsafe one, or null if none. */
    static Object lookup(Object o, String name) {
        if (o instanceof String && STR.contains(name)) {
            return new BoundMethod(o, name);
        }
        if (o instanceof Map) {
            if (DICT.contains(name)) {
                return new BoundMethod(o, name);
            }
            if (DICT_UNSAFE.contains(name)) {
                return unsafe("dict", name);
            }
        }
        if (o instanceof List) {
            if (LIST.contains(name)) {
                return new BoundMethod(o, name);
            }
            if (LIST_UNSAFE.contains(name)) {
                return unsafe("list", name);
            }
        }
        if (o instanceof PyTuple && (name.equals("index") || name.equals("count"))) {
            return new BoundMethod(o, name);
        }
        return null;
    }

    private static Undefined unsafe(String type, String name) {
        return new Undefined("access to attribute '" + name + "' of '" + type + "' object is unsafe");
    }

    static Object call(Object recv, String name, List<Object> args, Map<String, Object> kw) {
        if (recv instanceof String s) {
            return callStr(s, name, args, kw);
        }
        if (recv instanceof Map<?, ?> m) {
            return callDict(m, name, args, kw);
        }
        List<?> l = recv instanceof PyTuple t ? t.items() : (List<?>) recv;
        switch (name) {
            case "index" -> {
                Object x = new Params("index", args, kw, 1, Set.of()).required(0, "value");
                for (int i = 0; i < l.size(); i++) {
                    if (Py.eq(l.get(i), x)) {
                        return (long) i;
                    }
                }
                throw new PyError(Py.repr(x) + " is not in list");
            }
            case "count" -> {
                Object x = new Params("count", args, kw, 1, Set.of()).required(0, "value");
                return l.stream().filter(v -> Py.eq(v, x)).count();
            }
            default -> {
                return new ArrayList<Object>(l);
            }
        }
    }

    private static Object callDict(Map<?, ?> m, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "get" -> {
                Params p = new Params("get", args, kw, 2, Set.of());
                Object key = p.required(0, "key");
                return m.containsKey(key) ? m.get(key) : p.get(1, null, null);
            }
            case "items" -> {
                new Params("items", args, kw, 0, Set.of());
                List<Object> r = new ArrayList<>(m.size());
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    r.add(new PyTuple(Arrays.asList(e.getKey(), e.getValue())));
                }
                return r;
            }
            case "keys" -> {
                new Params("keys", args, kw, 0, Set.of());
                return new ArrayList<Object>(m.keySet());
            }
            case "values" -> {
                new Params("values", args, kw, 0, Set.of());
                return new ArrayList<Object>(m.values());
            }
            default -> {
                return new LinkedHashMap<Object, Object>(m);
            }
        }
    }


    // ---- str

    private static Object callStr(String s, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                String chars = new Params(name, args, kw, 1, Set.of()).optString(0, "chars");
                return strip(s, chars, !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "split", "rsplit" -> {
                Params p = new Params(name, args, kw, 2, Set.of("sep", "maxsplit"));
                String sep = p.optString(0, "sep");
                int max = p.integer(1, "maxsplit", -1);
                List<Object> parts = name.equals("split") ? split(s, sep, max) : rsplit(s, sep, max);
                return parts;
            }
            case "startswith", "endswith" -> {
                Params p = new Params(name, args, kw, 3, Set.of());
                Object affix = p.required(0, "prefix");
                String sub = substring(s, p.get(1, null, null), p.get(2, null, null));
                List<Object> options;
                if (affix instanceof String a) {
                    options = List.of(a);
                } else if (affix instanceof PyTuple t) {
                    options = t.items();
                } else {
                    throw new PyError(name + " first arg must be str or a tuple of str, not " + Py.typeName(affix));
                }
                for (Object o : options) {
                    if (!(o instanceof String a)) {
                        throw new PyError("tuple for " + name + " must only contain str, not " + Py.typeName(o));
                    }
                    if (name.equals("startswith") ? sub.startsWith(a) : sub.endsWith(a)) {
                        return true;
                    }
                }
                return false;
            }
            case "upper" -> {
                return s.toUpperCase(Locale.ROOT);
            }
            case "lower", "casefold" -> {
                return s.toLowerCase(Locale.ROOT);
            }
            case "title" -> {
                return title(s);
            }
            case "capitalize" -> {
                return capitalize(s);
            }
            case "swapcase" -> {
                StringBuilder sb = new StringBuilder(s.length());
                s.codePoints().forEach(c -> sb.appendCodePoint(Character.isUpperCase(c) ? Character.toLowerCase(c)
                        : Character.isLowerCase(c) ? Character.toUpperCase(c) : c));
                return sb.toString();
            }
            case "replace" -> {
                Params p = new Params(name, args, kw, 3, Set.of("count"));
                return replace(s, p.string(0, "old"), p.string(1, "new"), p.integer(2, "count", -1));
            }
            case "find", "rfind", "index", "rindex" -> {
                Params p = new Params(name, args, kw, 3, Set.of());
                String sub = p.string(0, "sub");
                int startCp = p.get(1, null, null) == null ? 0 : clampIndex(p.integer(1, null, 0), len(s));
                String hay = substring(s, p.get(1, null, null), p.get(2, null, null));
                int at = name.startsWith("r") ? hay.lastIndexOf(sub) : hay.indexOf(sub);
                if (at < 0) {
                    if (name.endsWith("index")) {
                        throw new PyError("substring not found");
                    }
                    return -1L;
                }
                return (long) (startCp + hay.codePointCount(0, at));
            }
            case "count" -> {
                Params p = new Params(name, args, kw, 3, Set.of());
                String sub = p.string(0, "sub");
                String hay = substring(s, p.get(1, null, null), p.get(2, null, null));
                if (sub.isEmpty()) {
                    return (long) len(hay) + 1;
                }
                long n = 0;
                for (int i = hay.indexOf(sub); i >= 0; i = hay.indexOf(sub, i + sub.length())) {
                    n++;
                }
                return n;
            }
            case "join" -> {
                Object it = new Params(name, args, kw, 1, Set.of()).required(0, "iterable");
                StringBuilder sb = new StringBuilder();
                List<Object> items = Py.iterate(it);
                Sandbox box = Sandbox.current();
                for (int i = 0; i < items.size(); i++) {
                    box.length(sb);
                    if (!(items.get(i) instanceof String part)) {
                        throw new PyError("sequence item " + i + ": expected str instance, "
                                + Py.typeName(items.get(i)) + " found");
                    }
                    if (i > 0) {
                        sb.append(s);
                    }
                    sb.append(part);
                }
                return sb.toString();
            }
            case "center", "ljust", "rjust" -> {
                Params p = new Params(name, args, kw, 2, Set.of());
                int width = p.integer(0, "width", 0);
                String fill = p.get(1, null, " ") instanceof String f ? f : " ";
                if (fill.codePointCount(0, fill.length()) != 1) {
                    throw new PyError("The fill character must be exactly one character long");
                }
                return pad(s, width, fill, name.equals("ljust") ? '<' : name.equals("rjust") ? '>' : '^');
            }
            case "zfill" -> {
                int width = new Params(name, args, kw, 1, Set.of()).integer(0, "width", 0);
                int n = len(s);
                if (n >= width) {
                    return s;
                }
                Sandbox.current().allocate((long) s.length() + width - n);
                boolean sign = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
                return (sign ? s.substring(0, 1) : "") + "0".repeat(width - n) + (sign ? s.substring(1) : s);
            }
            case "partition", "rpartition" -> {
                String sep = new Params(name, args, kw, 1, Set.of()).string(0, "sep");
                if (sep.isEmpty()) {
                    throw new PyError("empty separator");
                }
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    return name.equals("partition") ? new PyTuple(List.of(s, "", "")) : new PyTuple(List.of("", "", s));
                }
                return new PyTuple(List.of(s.substring(0, at), sep, s.substring(at + sep.length())));
            }
            case "removeprefix" -> {
                String pre = new Params(name, args, kw, 1, Set.of()).string(0, "prefix");
                return s.startsWith(pre) ? s.substring(pre.length()) : s;
            }
            case "removesuffix" -> {
                String suf = new Params(name, args, kw, 1, Set.of()).string(0, "suffix");
                return !suf.isEmpty() && s.endsWith(suf) ? s.substring(0, s.length() - suf.length()) : s;
            }
            case "splitlines" -> {
                boolean keep = new Params(name, args, kw, 1, Set.of("keepends")).bool(0, "keepends", false);
                return splitlines(s, keep);
            }
            case "format" -> {
                return StrFormat.format(s, args, kw);
            }
            default -> {
                return predicate(s, name);
            }
        }
    }

    private static Object predicate(String s, String name) {
        if (s.isEmpty()) {
            return false;
        }
        int[] cps = s.codePoints().toArray();
        switch (name) {
            case "isspace" -> {
                for (int c : cps) {
                    if (!Lexer.isSpace(c)) {
                        return false;
                    }
                }
                return true;
            }
            case "isalpha" -> {
                for (int c : cps) {
                    if (!Character.isLetter(c)) {
                        return false;
                    }
                }
                return true;
            }
            case "isdigit", "isdecimal", "isnumeric" -> {
                for (int c : cps) {
                    int t = Character.getType(c);
                    boolean ok = name.equals("isdecimal") ? t == Character.DECIMAL_DIGIT_NUMBER
                            : name.equals("isdigit") ? Character.isDigit(c) || t == Character.OTHER_NUMBER
                            && Character.getNumericValue(c) >= 0 && Character.getNumericValue(c) <= 9
                            : t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER
                            || t == Character.OTHER_NUMBER;
                    if (!ok) {
                        return false;
                    }
                }
                return true;
            }
            case "isalnum" -> {
                for (int c : cps) {
                    if (!Character.isLetterOrDigit(c) && Character.getType(c) != Character.OTHER_NUMBER
                            && Character.getType(c) != Character.LETTER_NUMBER) {
                        return false;
                    }
                }
                return true;
            }
            case "isupper", "islower" -> {
                boolean cased = false;
                for (int c : cps) {
                    if (name.equals("isupper") ? Character.isLowerCase(c) || Character.isTitleCase(c)
                            : Character.isUpperCase(c) || Character.isTitleCase(c)) {
                        return false;
                    }
                    cased |= Character.isUpperCase(c) || Character.isLowerCase(c);
                }
                return cased;
            }
            case "istitle" -> {
                return title(s).equals(s) && !s.toLowerCase(Locale.ROOT).equals(s.toUpperCase(Locale.ROOT));
            }
            default -> throw new PyError("'str' object has no attribute '" + name + "'");
        }
    }

    // ---- helpers shared with filters

    static int len(String s) {
        return s.codePointCount(0, s.length());
    }

    private static int clampIndex(int i, int n) {
        if (i < 0) {
            i = Math.max(0, i + n);
        }
        return Math.min(i, n);
    }

    /** {@code s[start:end]} by code points (null bounds are open). */
    private static String substring(String s, Object start, Object end) {
        if (start == null && end == null) {
            return s;
        }
        int n = len(s);
        int a = start == null ? 0 : clampIndex(Py.toIndex(start, "slice index"), n);
        int b = end == null ? n : clampIndex(Py.toIndex(end, "slice index"), n);
        if (b <= a) {
            return "";
        }
        return s.substring(s.offsetByCodePoints(0, a), s.offsetByCodePoints(0, b));
    }

    /** Python's strip family: {@code chars == null} strips whitespace. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        if (left) {
            while (a < b) {
                int c = s.codePointAt(a);
                if (!stripped(c, chars)) {
                    break;
                }
                a += Character.charCount(c);
            }
        }
        if (right) {
            while (b > a) {
                int c = s.codePointBefore(b);
                if (!stripped(c, chars)) {
                    break;
                }
                b -= Character.charCount(c);
            }
        }
        return s.substring(a, b);
    }

    private static boolean stripped(int c, String chars) {
        return chars == null ? Lexer.isSpace(c) : chars.indexOf(Character.toString(c)) >= 0;
    }

    static List<Object> split(String s, String sep, int max) {
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            while (true) {
                while (i < n && Lexer.isSpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (max >= 0 && out.size() == max) {
                    out.add(s.substring(i));
                    break;
                }
                int j = i;
                while (j < n && !Lexer.isSpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new PyError("empty separator");
        }
        int i = 0;
        while (max < 0 || out.size() < max) {
            int j = s.indexOf(sep, i);
            if (j < 0) {
                break;
            }
            out.add(s.substring(i, j));
            i = j + sep.length();
        }
        out.add(s.substring(i));
        return out;
    }

    private static List<Object> rsplit(String s, String sep, int max) {
        if (max < 0) {
            return split(s, sep, -1);
        }
        List<Object> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            while (true) {
                while (j > 0 && Lexer.isSpace(s.charAt(j - 1))) {
                    j--;
                }
                if (j <= 0) {
                    break;
                }
                if (out.size() == max) {
                    out.add(0, s.substring(0, j));
                    break;
                }
                int i = j;
                while (i > 0 && !Lexer.isSpace(s.charAt(i - 1))) {
                    i--;
                }
                out.add(0, s.substring(i, j));
                j = i;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new PyError("empty separator");
        }
        int j = s.length();
        while (out.size() < max) {
            int i = s.lastIndexOf(sep, j - sep.length());
            if (i < 0) {
                break;
            }
            out.add(0, s.substring(i + sep.length(), j));
            j = i;
        }
        out.add(0, s.substring(0, j));
        return out;
    }

    private static String replace(String s, String old, String rep, int count) {
        if (count < 0) {
            count = Integer.MAX_VALUE;
        }
        Sandbox box = Sandbox.current();
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            int done = 0;
            int i = 0;
            while (i <= s.length()) {
                if (done < count) {
                    sb.append(rep);
                    done++;
                    box.length(sb);
                }
                if (i == s.length()) {
                    break;
                }
                int c = s.codePointAt(i);
                sb.appendCodePoint(c);
                i += Character.charCount(c);
            }
            return sb.toString();
        }
        int i = 0;
        int done = 0;
        while (done < count) {
            int j = s.indexOf(old, i);
            if (j < 0) {
                break;
            }
            sb.append(s, i, j).append(rep);
            box.length(sb);
            i = j + old.length();
            done++;
        }
        sb.append(s, i, s.length());
        box.allocate(sb.length());
        return sb.toString();
    }

    private static boolean cased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    /** Python's {@code str.title()}. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (prevCased) {
                sb.append(new String(Character.toChars(c)).toLowerCase(Locale.ROOT));
            } else {
                sb.appendCodePoint(Character.toTitleCase(c));
            }
            prevCased = cased(c);
        }
        return sb.toString();
    }

    /** Python's {@code str.capitalize()}: first character title-cased, the rest lower-cased. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int c = s.codePointAt(0);
        return new String(Character.toChars(Character.toTitleCase(c)))
                + s.substring(Character.charCount(c)).toLowerCase(Locale.ROOT);
    }

    static String pad(String s, int width, String fill, char align) {
        int n = len(s);
        if (width <= n) {
            return s;
        }
        Sandbox.current().allocate((long) s.length() + (long) (width - n) * fill.length());
        int total = width - n;
        int left = switch (align) {
            case '<' -> 0;
            case '>' -> total;
            default -> total / 2 + (total & width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(total - left);
    }

    static List<Object> splitlines(String s, boolean keep) {
        List<Object> out = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int brk = 0;
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                brk = 2;
            } else if (c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                brk = 1;
            }
            if (brk > 0) {
                out.add(s.substring(start, keep ? i + brk : i));
                i += brk;
                start = i;
            } else {
                i++;
            }
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    /** Python's {@code fmt % args} for the common conversions ({@code %s %r %d %i %f %x %%}, width, precision). */
    static String percentFormat(String fmt, Object args) {
        List<Object> values = args instanceof PyTuple t ? t.items() : Arrays.asList(args);
        Map<?, ?> named = args instanceof Map<?, ?> m ? m : null;
        StringBuilder sb = new StringBuilder();
        int k = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (++i >= fmt.length()) {
                throw new PyError("incomplete format");
            }
            Object value = null;
            boolean haveValue = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (named == null || close < 0) {
                    throw new PyError("format requires a mapping");
                }
                value = Py.getItem(named, fmt.substring(i + 1, close));
                haveValue = true;
                i = close + 1;
            }
            int specStart = i;
            while (i < fmt.length() && "-+ #0123456789.".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= fmt.length()) {
                throw new PyError("incomplete format");
            }
            String spec = fmt.substring(specStart, i);
            char conv = fmt.charAt(i);
            Sandbox.current().length(sb);
            if (conv == '%') {
                sb.append('%');
                continue;
            }
            if (!haveValue) {
                if (k >= values.size()) {
                    throw new PyError("not enough arguments for format string");
                }
                value = values.get(k++);
            }
            sb.append(StrFormat.formatValue(value, spec, conv));
        }
        if (named == null && k < values.size()) {
            throw new PyError("not all arguments converted during string formatting");
        }
        return sb.toString();
    }
}
