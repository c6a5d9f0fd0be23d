package dev.nextinfer.tokenizer.jinja;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The global functions of Hugging Face's template environment: Jinja2's {@code range}, {@code dict},
 * {@code namespace}, and Hugging Face's {@code raise_exception} and {@code strftime_now}.
 */
final class Globals {
    /** The sandbox's limit on {@code range()} lengths. */
    static final int MAX_RANGE = 100_000;

    private Globals() {
    }

    /** The global called {@code name}, or null. */
    static JinjaCallable get(String name) {
        return switch (name) {
            case "range" -> Globals::range;
            case "dict" -> (args, kw) -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (args.size() > 1) {
                    throw new PyError("dict expected at most 1 argument, got " + args.size());
                }
                if (args.size() == 1) {
                    if (!(args.get(0) instanceof Map<?, ?> src)) {
                        throw new PyError("dict() argument must be a mapping");
                    }
                    m.putAll(src);
                }
                m.putAll(kw);
                return m;
            };
            case "namespace" -> (args, kw) -> {
                Namespace ns = new Namespace();
                for (Object a : args) {
                    if (!(a instanceof Map<?, ?> src)) {
                        throw new PyError("namespace() positional argument must be a mapping");
                    }
                    src.forEach((k, v) -> ns.attrs.put(Py.str(k), v));
                }
                ns.attrs.putAll(kw);
                return ns;
            };
            case "raise_exception" -> (args, kw) -> {
                throw new PyError("raise_exception: " + (args.isEmpty() ? "" : Py.str(args.get(0))));
            };
            case "strftime_now" -> (args, kw) -> {
                if (args.isEmpty() || !(args.get(0) instanceof String fmt)) {
                    throw new PyError("strftime_now() needs a format string");
                }
                return strftime(ZonedDateTime.now(), fmt);
            };
            default -> null;
        };
    }

    private static Object range(List<Object> args, Map<String, Object> kw) {
        if (args.isEmpty() || args.size() > 3 || !kw.isEmpty()) {
            throw new PyError("range expected 1 to 3 positional arguments");
        }
        long start = 0;
        long stop;
        long step = 1;
        if (args.size() == 1) {
            stop = Py.toIndex(args.get(0), "range() argument");
        } else {
            start = Py.toIndex(args.get(0), "range() argument");
            stop = Py.toIndex(args.get(1), "range() argument");
            if (args.size() == 3) {
                step = Py.toIndex(args.get(2), "range() argument");
            }
        }
        if (step == 0) {
            throw new PyError("range() arg 3 must not be zero");
        }
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            if (out.size() >= MAX_RANGE) {
                throw new PyError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + MAX_RANGE + ").");
            }
            out.add(i);
        }
        Sandbox.current().allocate(out.size());
        return out;
    }

    /** Python's {@code strftime} for the usual directives. */
    static String strftime(ZonedDateTime t, String fmt) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%' || i + 1 >= fmt.length()) {
                sb.append(c);
                continue;
            }
            char d = fmt.charAt(++i);
            switch (d) {
                case 'Y' -> sb.append(t.getYear());
                case 'y' -> sb.append(String.format("%02d", t.getYear() % 100));
                case 'm' -> sb.append(String.format("%02d", t.getMonthValue()));
                case 'd' -> sb.append(String.format("%02d", t.getDayOfMonth()));
                case 'H' -> sb.append(String.format("%02d", t.getHour()));
                case 'I' -> sb.append(String.format("%02d", (t.getHour() + 11) % 12 + 1));
                case 'M' -> sb.append(String.format("%02d", t.getMinute()));
                case 'S' -> sb.append(String.format("%02d", t.getSecond()));
                case 'p' -> sb.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> sb.append(String.format("%03d", t.getDayOfYear()));
                case 'B' -> sb.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'b' -> sb.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'A' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH));
                case 'a' -> sb.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH));
                case 'w' -> sb.append(t.getDayOfWeek().getValue() % 7);
                case '%' -> sb.append('%');
                default -> sb.append('%').append(d);
            }
        }
        return sb.toString();
    }
}
