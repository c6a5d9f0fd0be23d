package dev.nextinfer.tokenizer.jinja;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Jinja2's built-in tests ({@code x is defined}, {@code x is string}, {@code x is divisibleby 3}, …). */
final class Tests {
    static final Set<String> NAMES = Set.of("defined", "undefined", "none", "boolean", "false", "true", "integer",
            "float", "number", "string", "mapping", "iterable", "sequence", "callable", "sameas", "escaped", "in",
            "lower", "upper", "odd", "even", "divisibleby", "eq", "equalto", "==", "ne", "!=", "lt", "lessthan", "<",
            "le", "<=", "gt", "greaterthan", ">", "ge", ">=");

    private Tests() {
    }

    static boolean apply(String name, Object v, List<Object> args) {
        switch (name) {
            case "defined" -> {
                return !(v instanceof Undefined);
            }
            case "undefined" -> {
                return v instanceof Undefined;
            }
            case "none" -> {
                return v == null;
            }
            case "boolean" -> {
                return v instanceof Boolean;
            }
            case "false" -> {
                return Boolean.FALSE.equals(v);
            }
            case "true" -> {
                return Boolean.TRUE.equals(v);
            }
            case "integer" -> {
                return Py.isInt(v);
            }
            case "float" -> {
                return Py.isFloat(v);
            }
            case "number" -> {
                return Py.isNumber(v);
            }
            case "string" -> {
                return v instanceof String;
            }
            case "mapping" -> {
                return v instanceof Map;
            }
            case "iterable" -> {
                return v instanceof String || v instanceof List || v instanceof PyTuple || v instanceof Map
                        || v instanceof Undefined;
            }
            case "sequence" -> {
                return v instanceof String || v instanceof List || v instanceof PyTuple || v instanceof Map
                        || v instanceof Undefined;
            }
            case "callable" -> {
                return v instanceof JinjaCallable;
            }
            case "escaped" -> {
                return false;
            }
            case "sameas" -> {
                Object o = arg(name, args);
                return v == o || (v instanceof Boolean && v.equals(o));
            }
            case "in" -> {
                return Py.contains(arg(name, args), v);
            }
            case "lower" -> {
                String s = Py.str(v);
                return Boolean.TRUE.equals(Methods.call(s, "islower", List.of(), Map.of()));
            }
            case "upper" -> {
                String s = Py.str(v);
                return Boolean.TRUE.equals(Methods.call(s, "isupper", List.of(), Map.of()));
            }
            case "odd", "even" -> {
                if (v instanceof Undefined u) {
                    throw u.fail();
                }
                Object r = Py.binary("%", v, 2L);
                return Py.eq(r, name.equals("odd") ? 1L : 0L);
            }
            case "divisibleby" -> {
                return Py.eq(Py.binary("%", v, arg(name, args)), 0L);
            }
            case "eq", "equalto", "==" -> {
                return Py.eq(v, arg(name, args));
            }
            case "ne", "!=" -> {
                return !Py.eq(v, arg(name, args));
            }
            case "lt", "lessthan", "<" -> {
                return Py.compare(v, arg(name, args), "<") < 0;
            }
            case "le", "<=" -> {
                return Py.compare(v, arg(name, args), "<=") <= 0;
            }
            case "gt", "greaterthan", ">" -> {
                return Py.compare(v, arg(name, args), ">") > 0;
            }
            case "ge", ">=" -> {
                return Py.compare(v, arg(name, args), ">=") >= 0;
            }
            default -> throw new PyError("no test named '" + name + "'");
        }
    }

    private static Object arg(String test, List<Object> args) {
        if (args.isEmpty()) {
            throw new PyError("test '" + test + "' needs an argument");
        }
        return args.get(0);
    }
}
