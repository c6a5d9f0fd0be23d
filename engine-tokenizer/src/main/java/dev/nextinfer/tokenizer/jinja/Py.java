package dev.nextinfer.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Python value semantics for template values, because Hugging Face renders templates with Python's Jinja2:
 * truthiness, {@code str()} and {@code repr()} (floats as Python prints them), {@code ==} and ordering,
 * arithmetic (bool is an int, {@code /} is true division, {@code //} and {@code %} floor), {@code in},
 * iteration, {@code len()}, attribute and item access, slicing. Strings are indexed by code point.
 *
 * <p>Values: {@code null} (None), Boolean, integers (Long, also Integer/Short/Byte/BigInteger from JSON),
 * floats (Double/Float/BigDecimal), String, List, {@link PyTuple}, Map, {@link Undefined}, {@link Namespace},
 * {@link LoopInfo}, {@link JinjaCallable}.
 */
final class Py {
    private Py() {
    }

    // ---- types

    static boolean isInt(Object o) {
        return o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte
                || o instanceof BigInteger;
    }

    static boolean isFloat(Object o) {
        return o instanceof Double || o instanceof Float || o instanceof BigDecimal;
    }

    /** int, float or bool (Python's bool is an int). */
    static boolean isNumber(Object o) {
        return isInt(o) || isFloat(o) || o instanceof Boolean;
    }

    static boolean isSequence(Object o) {
        return o instanceof List || o instanceof PyTuple;
    }

    static String typeName(Object o) {
        if (o == null) {
            return "NoneType";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (isInt(o)) {
            return "int";
        }
        if (isFloat(o)) {
            return "float";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof List) {
            return "list";
        }
        if (o instanceof PyTuple) {
            return "tuple";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof Undefined) {
            return "Undefined";
        }
        if (o instanceof Namespace) {
            return "Namespace";
        }
        if (o instanceof LoopInfo) {
            return "LoopContext";
        }
        return "function";
    }

    static long toLong(Object o) {
        if (o instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (o instanceof BigInteger b) {
            if (b.bitLength() > 63) {
                throw new PyError("integer too large: " + b);
            }
            return b.longValue();
        }
        return number(o).longValue();
    }

    static double toDouble(Object o) {
        if (o instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return number(o).doubleValue();
    }

    /** {@code o} where a number is required: an Undefined fails as itself, anything else as a type error. */
    private static Number number(Object o) {
        if (o instanceof Number n) {
            return n;
        }
        if (o instanceof Undefined u) {
            throw u.fail();
        }
        throw new PyError("a number is required, not '" + typeName(o) + "'");
    }

    /** Integral value as a Java int (for indexes and counts), or an error naming {@code what}. */
    static int toIndex(Object o, String what) {
        if (!(isInt(o) || o instanceof Boolean)) {
            throw new PyError(what + " must be an integer, not " + typeName(o));
        }
        long v = toLong(o);
        if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
            throw new PyError(what + " out of range: " + v);
        }
        return (int) v;
    }

    // ---- truthiness, str, repr

    static boolean truthy(Object o) {
        if (o == null || o instanceof Undefined) {
            return false;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof String s) {
            return !s.isEmpty();
        }
        if (isInt(o)) {
            return o instanceof BigInteger b ? b.signum() != 0 : toLong(o) != 0;
        }
        if (isFloat(o)) {
            return toDouble(o) != 0.0;
        }
        if (o instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (o instanceof PyTuple t) {
            return !t.items().isEmpty();
        }
        if (o instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Python's {@code str(o)} (what {@code {{ o }}} prints); Undefined prints as "". */
    static String str(Object o) {
        if (o instanceof String s) {
            return s;
        }
        if (o instanceof Undefined) {
            return "";
        }
        return repr(o);
    }

    /** Python's {@code repr(o)}. */
    static String repr(Object o) {
        StringBuilder sb = new StringBuilder();
        repr(o, sb, Sandbox.current());
        return sb.toString();
    }

    private static void repr(Object o, StringBuilder sb, Sandbox box) {
        box.length(sb);
        if (o instanceof List || o instanceof PyTuple || o instanceof Map || o instanceof Namespace) {
            box.enter(); // a list that contains itself ends here
            try {
                reprContainer(o, sb, box);
            } finally {
                box.exit();
            }
        } else {
            reprContainer(o, sb, box);
        }
    }

    private static void reprContainer(Object o, StringBuilder sb, Sandbox box) {
        if (o == null) {
            sb.append("None");
        } else if (o instanceof Boolean b) {
            sb.append(b ? "True" : "False");
        } else if (o instanceof String s) {
            reprString(s, sb);
        } else if (isInt(o)) {
            sb.append(o);
        } else if (isFloat(o)) {
            sb.append(formatFloat(toDouble(o)));
        } else if (o instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                repr(l.get(i), sb, box);
            }
            sb.append(']');
        } else if (o instanceof PyTuple t) {
            sb.append('(');
            for (int i = 0; i < t.items().size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                repr(t.items().get(i), sb, box);
            }
            sb.append(t.items().size() == 1 ? ",)" : ")");
        } else if (o instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                repr(e.getKey(), sb, box);
                sb.append(": ");
                repr(e.getValue(), sb, box);
            }
            sb.append('}');
        } else if (o instanceof Undefined) {
            sb.append("Undefined");
        } else if (o instanceof Namespace ns) {
            sb.append("<Namespace ");
            repr(ns.attrs, sb, box);
            sb.append('>');
        } else if (o instanceof LoopInfo) {
            sb.append("<LoopContext>");
        } else {
            sb.append("<function>");
        }
    }

    private static void reprString(String s, StringBuilder sb) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == quote || c == '\\') {
                sb.append('\\').append((char) c);
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c < 0x20 || c == 0x7F) {
                sb.append(String.format("\\x%02x", c));
            } else if (c < 0x7F || isPrintable(c)) {
                sb.appendCodePoint(c);
            } else if (c < 0x100) {
                sb.append(String.format("\\x%02x", c));
            } else if (c < 0x10000) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.append(String.format("\\U%08x", c));
            }
        }
        sb.append(quote);
    }

    /** Python's {@code str.isprintable()} for one non-ASCII code point. */
    private static boolean isPrintable(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                 Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's {@code repr(float)}: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
    static String formatFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        // Double.toString gives the shortest decimal that round-trips (JDK 19+), as Python's repr does.
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int decpt = digits.length() - bd.scale();
        StringBuilder sb = new StringBuilder(24);
        if (d < 0) {
            sb.append('-');
        }
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                sb.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            int exp = decpt - 1;
            sb.append('e').append(exp < 0 ? '-' : '+');
            if (Math.abs(exp) < 10) {
                sb.append('0');
            }
            sb.append(Math.abs(exp));
        }
        return sb.toString();
    }

    // ---- comparison

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (isNumber(a) && isNumber(b)) {
            return compareNumbers(a, b) == 0;
        }
        if (a instanceof String s) {
            return s.equals(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            return eqLists(la, lb);
        }
        if (a instanceof PyTuple ta && b instanceof PyTuple tb) {
            return eqLists(ta.items(), tb.items());
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                if (!mb.containsKey(e.getKey()) || !eq(e.getValue(), mb.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean eqLists(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!eq(a.get(i), b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static int compareNumbers(Object a, Object b) {
        if ((isInt(a) || a instanceof Boolean) && (isInt(b) || b instanceof Boolean)) {
            return bigInt(a).compareTo(bigInt(b));
        }
        return Double.compare(toDouble(a), toDouble(b)) == 0 ? 0 : (toDouble(a) < toDouble(b) ? -1 : 1);
    }

    private static BigInteger bigInt(Object o) {
        return o instanceof BigInteger b ? b : BigInteger.valueOf(toLong(o));
    }

    /** Python ordering ({@code <} etc.); a TypeError for values that do not order. */
    static int compare(Object a, Object b, String op) {
        if (isNumber(a) && isNumber(b)) {
            return compareNumbers(a, b);
        }
        if (a instanceof String sa && b instanceof String sb) {
            return compareCodePoints(sa, sb);
        }
        List<?> la = a instanceof PyTuple t ? t.items() : a instanceof List<?> l ? l : null;
        List<?> lb = b instanceof PyTuple t ? t.items() : b instanceof List<?> l ? l : null;
        if (la != null && lb != null && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i), op);
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (b instanceof Undefined u) {
            throw u.fail();
        }
        throw new PyError("'" + op + "' not supported between instances of '" + typeName(a) + "' and '"
                + typeName(b) + "'");
    }

    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    // ---- arithmetic

    private static PyError unsupported(String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            return u.fail();
        }
        if (b instanceof Undefined u) {
            return u.fail();
        }
        if (op.equals("+") && a instanceof String) {
            return new PyError("can only concatenate str (not \"" + typeName(b) + "\") to str");
        }
        if (op.equals("+") && a instanceof List) {
            return new PyError("can only concatenate list (not \"" + typeName(b) + "\") to list");
        }
        return new PyError("unsupported operand type(s) for " + op + ": '" + typeName(a) + "' and '" + typeName(b)
                + "'");
    }

    private static boolean intLike(Object o) {
        return isInt(o) || o instanceof Boolean;
    }

    static Object binary(String op, Object a, Object b) {
        if (isNumber(a) && isNumber(b)) {
            return arithmetic(op, a, b);
        }
        switch (op) {
            case "+" -> {
                if (a instanceof String sa && b instanceof String sb) {
                    Sandbox.current().allocate((long) sa.length() + sb.length());
                    return sa + sb;
                }
                if (a instanceof List<?> la && b instanceof List<?> lb) {
                    Sandbox.current().allocate((long) la.size() + lb.size());
                    List<Object> r = new ArrayList<>(la);
                    r.addAll(lb);
                    return r;
                }
                if (a instanceof PyTuple ta && b instanceof PyTuple tb) {
                    Sandbox.current().allocate((long) ta.items().size() + tb.items().size());
                    List<Object> r = new ArrayList<>(ta.items());
                    r.addAll(tb.items());
                    return new PyTuple(r);
                }
            }
            case "*" -> {
                if (a instanceof String && intLike(b) || b instanceof String && intLike(a)) {
                    String s = a instanceof String x ? x : (String) b;
                    long times = repeatCount(a instanceof String ? b : a);
                    if (times <= 0 || s.isEmpty()) {
                        return "";
                    }
                    Sandbox.current().allocate(saturatedProduct(s.length(), times));
                    return s.repeat((int) times);
                }
                if (a instanceof List<?> l && intLike(b) || b instanceof List<?> && intLike(a)) {
                    List<?> src = a instanceof List<?> x ? x : (List<?>) b;
                    long times = repeatCount(a instanceof List ? b : a);
                    if (times <= 0 || src.isEmpty()) {
                        return new ArrayList<>();
                    }
                    Sandbox.current().allocate(saturatedProduct(src.size(), times));
                    List<Object> r = new ArrayList<>();
                    for (long k = 0; k < times; k++) {
                        r.addAll(src);
                    }
                    return r;
                }
            }
            case "%" -> {
                if (a instanceof String fmt) {
                    return Methods.percentFormat(fmt, b);
                }
            }
            default -> { }
        }
        throw unsupported(op, a, b);
    }

    /** How many times a sequence is repeated: any int (a huge one is refused by the size check, not here). */
    private static long repeatCount(Object n) {
        if (n instanceof BigInteger b && b.bitLength() > 63) {
            return b.signum() < 0 ? 0 : Long.MAX_VALUE;
        }
        return toLong(n);
    }

    /** {@code a × b} for non-negative values, or -1 when it overflows a long (the sandbox reads -1 as too large). */
    static long saturatedProduct(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi != 0 || lo < 0 ? -1 : lo;
    }

    /** Largest integer a template may compute, in bits (Python has no limit; a sandbox needs one). */
    static final int MAX_INT_BITS = 1 << 16;

    private static Object bounded(BigInteger v) {
        if (v.bitLength() > MAX_INT_BITS) {
            throw new PyError("integer result of more than " + MAX_INT_BITS + " bits: the sandbox refuses it");
        }
        return normalize(v);
    }

    private static Object arithmetic(String op, Object a, Object b) {
        boolean ints = intLike(a) && intLike(b);
        switch (op) {
            case "+", "-", "*" -> {
                if (ints) {
                    BigInteger x = bigInt(a);
                    BigInteger y = bigInt(b);
                    if (op.equals("*") && (long) x.bitLength() + y.bitLength() > MAX_INT_BITS + 1) {
                        throw new PyError("integer result of more than " + MAX_INT_BITS + " bits: the sandbox refuses it");
                    }
                    return bounded(op.equals("+") ? x.add(y) : op.equals("-") ? x.subtract(y) : x.multiply(y));
                }
                double x = toDouble(a);
                double y = toDouble(b);
                return op.equals("+") ? x + y : op.equals("-") ? x - y : x * y;
            }
            case "/" -> {
                double y = toDouble(b);
                if (y == 0) {
                    throw new PyError("division by zero");
                }
                return toDouble(a) / y;
            }
            case "//", "%" -> {
                if (ints) {
                    long y = toLong(b);
                    if (y == 0) {
                        throw new PyError(op.equals("//") ? "integer division or modulo by zero"
                                : "integer modulo by zero");
                    }
                    long x = toLong(a);
                    return op.equals("//") ? Math.floorDiv(x, y) : Math.floorMod(x, y);
                }
                double x = toDouble(a);
                double y = toDouble(b);
                if (y == 0) {
                    throw new PyError("float division by zero");
                }
                double q = Math.floor(x / y);
                if (op.equals("//")) {
                    return q;
                }
                double r = x - y * q;
                return r == 0 ? Math.copySign(0.0, y) : r;
            }
            case "**" -> {
                if (ints && bigInt(b).signum() >= 0) {
                    BigInteger base = bigInt(a);
                    BigInteger e = bigInt(b);
                    if (base.abs().compareTo(BigInteger.ONE) <= 0) { // 0, 1, -1: any exponent
                        return normalize(base.signum() == 0 ? (e.signum() == 0 ? BigInteger.ONE : BigInteger.ZERO)
                                : base.signum() > 0 || !e.testBit(0) ? BigInteger.ONE : BigInteger.ONE.negate());
                    }
                    if (e.bitLength() > 31 || (long) (base.bitLength() - 1) * e.longValue() > MAX_INT_BITS) {
                        throw new PyError("integer result of more than " + MAX_INT_BITS + " bits: the sandbox refuses it");
                    }
                    return bounded(base.pow(e.intValue()));
                }
                return Math.pow(toDouble(a), toDouble(b));
            }
            default -> throw new PyError("unsupported operator " + op);
        }
    }

    private static Object normalize(BigInteger v) {
        return v.bitLength() <= 63 ? (Object) v.longValue() : v;
    }

    static Object negate(Object a) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (intLike(a)) {
            return normalize(bigInt(a).negate());
        }
        if (isFloat(a)) {
            return -toDouble(a);
        }
        throw new PyError("bad operand type for unary -: '" + typeName(a) + "'");
    }

    static Object plus(Object a) {
        if (a instanceof Undefined u) {
            throw u.fail();
        }
        if (a instanceof Boolean) {
            return toLong(a);
        }
        if (isNumber(a)) {
            return a;
        }
        throw new PyError("bad operand type for unary +: '" + typeName(a) + "'");
    }

    // ---- containers

    /** {@code item in container}. */
    static boolean contains(Object container, Object item) {
        if (container instanceof String s) {
            if (item instanceof String sub) {
                return s.contains(sub);
            }
            if (item instanceof Undefined u) {
                throw u.fail();
            }
            throw new PyError("'in <string>' requires string as left operand, not " + typeName(item));
        }
        if (container instanceof Map<?, ?> m) {
            if (m.containsKey(item)) {
                return true;
            }
            for (Object k : m.keySet()) {
                if (eq(k, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof Undefined) {
            return false;
        }
        for (Object o : iterate(container)) {
            if (eq(o, item)) {
                return true;
            }
        }
        return false;
    }

    /** The items a for loop visits: list items, dict keys, string characters; Undefined is empty. */
    static List<Object> iterate(Object o) {
        if (o instanceof List<?> l) {
            @SuppressWarnings("unchecked")
            List<Object> r = (List<Object>) l;
            return r;
        }
        if (o instanceof PyTuple t) {
            return t.items();
        }
        if (o instanceof Map<?, ?> m) {
            Sandbox.current().allocate(m.size());
            return new ArrayList<>(m.keySet());
        }
        if (o instanceof String s) {
            Sandbox.current().allocate(s.length());
            List<Object> r = new ArrayList<>(s.length());
            s.codePoints().forEach(cp -> r.add(new String(Character.toChars(cp))));
            return r;
        }
        if (o instanceof Undefined) {
            return Collections.emptyList();
        }
        throw new PyError("'" + typeName(o) + "' object is not iterable");
    }

    static int len(Object o) {
        if (o instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (o instanceof List<?> l) {
            return l.size();
        }
        if (o instanceof PyTuple t) {
            return t.items().size();
        }
        if (o instanceof Map<?, ?> m) {
            return m.size();
        }
        if (o instanceof Undefined) {
            return 0;
        }
        throw new PyError("object of type '" + typeName(o) + "' has no len()");
    }

    // ---- attributes and items (Jinja's sandboxed getattr/getitem)

    private static String objName(Object o) {
        return o == null ? "None" : typeName(o) + " object";
    }

    /** {@code obj.name}: a method, a dict key or an Undefined (Jinja tries the attribute, then the item). */
    static Object getAttr(Object o, String name) {
        if (o instanceof Undefined u) {
            throw u.fail();
        }
        if (o instanceof LoopInfo loop) {
            return loop.get(name);
        }
        if (o instanceof Namespace ns) {
            Object v = ns.attrs.get(name);
            return v != null || ns.attrs.containsKey(name) ? v
                    : new Undefined("'Namespace object' has no attribute '" + name + "'");
        }
        Object method = Methods.lookup(o, name);
        if (method != null) {
            return method;
        }
        if (o instanceof Map<?, ?> m && m.containsKey(name)) {
            return m.get(name);
        }
        return new Undefined("'" + objName(o) + "' has no attribute '" + name + "'");
    }

    /** {@code obj[key]}: Jinja tries the item, then (for a string key) the attribute, else Undefined. */
    static Object getItem(Object o, Object key) {
        if (o instanceof Undefined u) {
            throw u.fail();
        }
        if (key instanceof Undefined u) {
            throw u.fail();
        }
        if (o instanceof Map<?, ?> m) {
            if (m.containsKey(key)) {
                return m.get(key);
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (isNumber(key) && eq(e.getKey(), key)) {
                    return e.getValue();
                }
            }
        } else if ((isSequence(o) || o instanceof String) && intLike(key)) {
            long i = toLong(key);
            if (o instanceof String s) {
                int n = s.codePointCount(0, s.length());
                long k = i < 0 ? i + n : i;
                if (k >= 0 && k < n) {
                    int off = s.offsetByCodePoints(0, (int) k);
                    return new String(Character.toChars(s.codePointAt(off)));
                }
                return new Undefined("'str object' has no element " + i);
            }
            List<?> l = o instanceof PyTuple t ? t.items() : (List<?>) o;
            long k = i < 0 ? i + l.size() : i;
            if (k >= 0 && k < l.size()) {
                return l.get((int) k);
            }
            return new Undefined("'" + typeName(o) + " object' has no element " + i);
        }
        if (key instanceof String name) {
            Object attr = getAttr(o, name);
            if (!(attr instanceof Undefined)) {
                return attr;
            }
        }
        return new Undefined("'" + objName(o) + "' has no attribute '" + str(key) + "'");
    }

    /** {@code obj[start:stop:step]} for strings, lists and tuples. */
    static Object slice(Object o, Object start, Object stop, Object step) {
        if (o instanceof Undefined u) {
            throw u.fail();
        }
        int st = step == null ? 1 : toIndex(step, "slice step");
        if (st == 0) {
            throw new PyError("slice step cannot be zero");
        }
        if (st == Integer.MIN_VALUE) {
            st = -Integer.MAX_VALUE; // the same slice (at most one element), without overflowing its negation
        }
        if (o instanceof String s) {
            int[] cps = s.codePoints().toArray();
            StringBuilder sb = new StringBuilder();
            for (int i : sliceIndices(cps.length, start, stop, st)) {
                sb.appendCodePoint(cps[i]);
            }
            return sb.toString();
        }
        if (isSequence(o)) {
            List<?> l = o instanceof PyTuple t ? t.items() : (List<?>) o;
            List<Object> r = new ArrayList<>();
            for (int i : sliceIndices(l.size(), start, stop, st)) {
                r.add(l.get(i));
            }
            return o instanceof PyTuple ? new PyTuple(r) : r;
        }
        return new Undefined("'" + objName(o) + "' is not subscriptable");
    }

    private static int[] sliceIndices(int len, Object startObj, Object stopObj, int step) {
        int start;
        int stop;
        if (startObj == null) {
            start = step < 0 ? len - 1 : 0;
        } else {
            start = adjust(toIndex(startObj, "slice index"), len, step);
        }
        if (stopObj == null) {
            stop = step < 0 ? -1 : len;
        } else {
            stop = adjust(toIndex(stopObj, "slice index"), len, step);
        }
        int count = 0;
        if (step > 0 && start < stop) {
            count = (stop - start - 1) / step + 1;
        } else if (step < 0 && start > stop) {
            count = (start - stop - 1) / (-step) + 1;
        }
        int[] idx = new int[count];
        for (int k = 0, i = start; k < count; k++, i += step) {
            idx[k] = i;
        }
        return idx;
    }

    private static int adjust(int i, int len, int step) {
        if (i < 0) {
            i += len;
            if (i < 0) {
                i = step < 0 ? -1 : 0;
            }
        } else if (i >= len) {
            i = step < 0 ? len - 1 : len;
        }
        return i;
    }
}
