package dev.nextinfer.tokenizer.jinja;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python's {@code str.format} and the value formatting behind it and behind {@code %}: fields {@code {}},
 * {@code {0}}, {@code {name.attr[key]}}, conversions {@code !s !r}, and the common format-spec parts (fill,
 * align, sign, zero padding, width, precision, types {@code s d f F e E % x X o b}).
 */
final class StrFormat {
    private StrFormat() {
    }

    static String format(String fmt, List<Object> args, Map<String, Object> kw) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
                    sb.append('}');
                    i++;
                    continue;
                }
                throw new PyError("Single '}' encountered in format string");
            }
            if (c != '{') {
                sb.append(c);
                continue;
            }
            if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                sb.append('{');
                i++;
                continue;
            }
            int close = fmt.indexOf('}', i);
            if (close < 0) {
                throw new PyError("Single '{' encountered in format string");
            }
            String field = fmt.substring(i + 1, close);
            i = close;
            String spec = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                spec = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conv = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conv = field.length() > bang + 1 ? field.charAt(bang + 1) : 0;
                field = field.substring(0, bang);
            }
            int end = 0;
            while (end < field.length() && field.charAt(end) != '.' && field.charAt(end) != '[') {
                end++;
            }
            String head = field.substring(0, end);
            Object value;
            if (head.isEmpty()) {
                value = arg(args, auto++);
            } else if (head.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                value = arg(args, head.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(head));
            } else {
                if (!kw.containsKey(head)) {
                    throw new PyError("KeyError: '" + head + "'");
                }
                value = kw.get(head);
            }
            String rest = field.substring(end);
            while (!rest.isEmpty()) {
                if (rest.charAt(0) == '.') {
                    int e = 1;
                    while (e < rest.length() && rest.charAt(e) != '.' && rest.charAt(e) != '[') {
                        e++;
                    }
                    value = Py.getAttr(value, rest.substring(1, e));
                    rest = rest.substring(e);
                } else {
                    int e = rest.indexOf(']');
                    if (e < 0) {
                        throw new PyError("Missing ']' in format string");
                    }
                    String key = rest.substring(1, e);
                    value = Py.getItem(value, !key.isEmpty() && key.length() <= 18 && key.chars().allMatch(ch -> ch >= '0' && ch <= '9')
                            ? (Object) Long.parseLong(key) : key);
                    rest = rest.substring(e + 1);
                }
            }
            if (conv == 'r') {
                value = Py.repr(value);
            } else if (conv == 's') {
                value = Py.str(value);
            }
            sb.append(formatSpec(value, spec));
            Sandbox.current().length(sb);
        }
        return sb.toString();
    }

    private static Object arg(List<Object> args, int i) {
        if (i >= args.size()) {
            throw new PyError("Replacement index " + i + " out of range for positional args tuple");
        }
        return args.get(i);
    }

    /** Python's {@code format(value, spec)} for the supported spec parts. */
    static String formatSpec(Object value, String spec) {
        if (value instanceof Undefined u && !spec.isEmpty()) {
            throw u.fail();
        }
        if (spec.isEmpty()) {
            return Py.str(value);
        }
        int i = 0;
        char fill = ' ';
        char align = 0;
        if (spec.length() >= 2 && "<>^=".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>^=".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        char sign = '-';
        if (i < spec.length() && "+- ".indexOf(spec.charAt(i)) >= 0) {
            sign = spec.charAt(i++);
        }
        if (i < spec.length() && spec.charAt(i) == '0') {
            if (align == 0) {
                fill = '0';
                align = '=';
            }
            i++;
        }
        int start = i;
        while (i < spec.length() && spec.charAt(i) >= '0' && spec.charAt(i) <= '9') {
            i++;
        }
        int width = size(spec.substring(start, i), "width");
        int precision = -1;
        if (i < spec.length() && spec.charAt(i) == '.') {
            i++;
            start = i;
            while (i < spec.length() && spec.charAt(i) >= '0' && spec.charAt(i) <= '9') {
                i++;
            }
            precision = size(spec.substring(start, i), "precision");
        }
        char type = i < spec.length() ? spec.charAt(i) : 0;
        String body;
        boolean numeric = Py.isNumber(value) && type != 's';
        if (!numeric) {
            if (type != 0 && type != 's') {
                throw new PyError("Unknown format code '" + type + "' for object of type '" + Py.typeName(value) + "'");
            }
            body = Py.str(value);
            if (precision >= 0 && Methods.len(body) > precision) {
                body = body.substring(0, body.offsetByCodePoints(0, precision));
            }
            return Methods.pad(body, width, String.valueOf(fill), align == 0 ? '<' : align == '=' ? '<' : align);
        }
        body = formatNumber(value, precision, type);
        String signStr = "";
        if (body.startsWith("-")) {
            signStr = "-";
            body = body.substring(1);
        } else if (sign == '+') {
            signStr = "+";
        } else if (sign == ' ') {
            signStr = " ";
        }
        if (align == '=') {
            int padLen = width - signStr.length() - body.length();
            Sandbox.current().allocate((long) signStr.length() + Math.max(0, padLen) + body.length());
            return signStr + String.valueOf(fill).repeat(Math.max(0, padLen)) + body;
        }
        return Methods.pad(signStr + body, width, String.valueOf(fill), align == 0 ? '>' : align);
    }

    /**
     * A width or precision of a format spec: digits only (empty = 0), bounded by what the sandbox lets one value
     * be (Python's own bound is sys.maxsize).
     */
    private static int size(String digits, String what) {
        if (digits.isEmpty()) {
            return 0;
        }
        long v = digits.length() > 12 ? Long.MAX_VALUE : Long.parseLong(digits);
        Sandbox.current().allocate(v); // refuses a width or precision no value may have
        return (int) v;
    }

    private static String formatNumber(Object value, int precision, char type) {
        boolean isInt = Py.isInt(value) || value instanceof Boolean;
        switch (type) {
            case 'd' -> {
                if (!isInt) {
                    throw new PyError("Unknown format code 'd' for object of type 'float'");
                }
                return Long.toString(Py.toLong(value));
            }
            case 'x', 'X', 'o', 'b' -> {
                long v = Py.toLong(value);
                String s = type == 'o' ? Long.toOctalString(Math.abs(v)) : type == 'b' ? Long.toBinaryString(Math.abs(v))
                        : Long.toHexString(Math.abs(v));
                s = type == 'X' ? s.toUpperCase(Locale.ROOT) : s;
                return v < 0 ? "-" + s : s;
            }
            case 'f', 'F', '%' -> {
                double d = Py.toDouble(value) * (type == '%' ? 100 : 1);
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    return Py.formatFloat(d);
                }
                String s = new BigDecimal(d).setScale(precision < 0 ? 6 : precision, RoundingMode.HALF_EVEN)
                        .toPlainString();
                return type == '%' ? s + "%" : s;
            }
            case 'e', 'E' -> {
                String s = String.format(Locale.ROOT, "%." + (precision < 0 ? 6 : precision) + "e", Py.toDouble(value));
                return type == 'E' ? s.toUpperCase(Locale.ROOT) : s;
            }
            default -> {
                if (isInt) {
                    return Long.toString(Py.toLong(value));
                }
                if (precision >= 0) {
                    return String.format(Locale.ROOT, "%." + Math.max(precision, 1) + "g", Py.toDouble(value));
                }
                return Py.formatFloat(Py.toDouble(value));
            }
        }
    }

    /** One {@code %} conversion of Python's printf-style formatting. */
    static String formatValue(Object value, String spec, char conv) {
        boolean left = spec.indexOf('-') >= 0;
        boolean zero = spec.indexOf('0') >= 0 && !left && (spec.indexOf('.') < 0 || spec.indexOf('0') < spec.indexOf('.'))
                && spec.replace("-", "").replace("+", "").replace(" ", "").replace("#", "").startsWith("0");
        String plus = spec.indexOf('+') >= 0 ? "+" : spec.indexOf(' ') >= 0 ? " " : "-";
        String digits = spec.replaceAll("[-+ #]", "");
        int precision = -1;
        int dot = digits.indexOf('.');
        String w = dot >= 0 ? digits.substring(0, dot) : digits;
        if (w.indexOf('.') >= 0 || (dot >= 0 && digits.indexOf('.', dot + 1) >= 0)) {
            throw new PyError("unsupported format character '.'");
        }
        int width = size(w, "width");
        if (dot >= 0) {
            precision = size(digits.substring(dot + 1), "precision");
        }
        String body = switch (conv) {
            case 's' -> precisionCut(Py.str(value), precision);
            case 'r', 'a' -> precisionCut(Py.repr(value), precision);
            case 'd', 'i', 'u' -> {
                if (!Py.isNumber(value)) {
                    throw new PyError("%" + conv + " format: a real number is required, not " + Py.typeName(value));
                }
                yield Long.toString(Py.isInt(value) || value instanceof Boolean ? Py.toLong(value)
                        : (long) Py.toDouble(value));
            }
            case 'f', 'F', 'e', 'E', 'x', 'X', 'o', 'g' -> {
                if (!Py.isNumber(value)) {
                    throw new PyError("%" + conv + " format: a real number is required, not " + Py.typeName(value));
                }
                yield formatNumber(value, precision, conv);
            }
            case 'c' -> {
                if (value instanceof String s) {
                    yield s;
                }
                if (!(Py.isInt(value) || value instanceof Boolean)) {
                    throw new PyError("%c requires an int or a unicode character, not " + Py.typeName(value));
                }
                long cp = Py.toLong(value);
                if (cp < 0 || cp > Character.MAX_CODE_POINT) {
                    throw new PyError("%c arg not in range(0x110000)");
                }
                yield new String(Character.toChars((int) cp));
            }
            default -> throw new PyError("unsupported format character '" + conv + "'");
        };
        if ("dfFeExXoig".indexOf(conv) >= 0 && !body.startsWith("-") && !plus.equals("-")) {
            body = plus + body;
        }
        if (zero && "dfFeExXoig".indexOf(conv) >= 0) {
            String sign = body.startsWith("-") || body.startsWith("+") || body.startsWith(" ") ? body.substring(0, 1) : "";
            String rest = body.substring(sign.length());
            Sandbox.current().allocate((long) Math.max(width, body.length()));
            return sign + "0".repeat(Math.max(0, width - body.length())) + rest;
        }
        return Methods.pad(body, width, " ", left ? '<' : '>');
    }

    private static String precisionCut(String s, int precision) {
        return precision >= 0 && Methods.len(s) > precision ? s.substring(0, s.offsetByCodePoints(0, precision)) : s;
    }
}
