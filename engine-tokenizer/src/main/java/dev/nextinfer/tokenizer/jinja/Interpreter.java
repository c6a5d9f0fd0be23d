package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.jinja.Ast.Args;
import dev.nextinfer.tokenizer.jinja.Ast.Expr;
import dev.nextinfer.tokenizer.jinja.Ast.FilterCall;
import dev.nextinfer.tokenizer.jinja.Ast.Node;
import dev.nextinfer.tokenizer.jinja.Ast.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Renders a parsed template: executes statements into a buffer and evaluates expressions. One per render. */
final class Interpreter {
    /** How a statement list ended: normally, or by {@code break}/{@code continue} inside a loop. */
    enum Flow { NORMAL, BREAK, CONTINUE }

    private final Sandbox sandbox;

    Interpreter(Sandbox sandbox) {
        this.sandbox = sandbox;
    }

    Sandbox sandbox() {
        return sandbox;
    }

    // ---- statements

    Flow exec(List<Node> body, Scope scope, StringBuilder out) {
        for (Node n : body) {
            Flow f = exec(n, scope, out);
            if (f != Flow.NORMAL) {
                return f;
            }
        }
        return Flow.NORMAL;
    }

    private Flow exec(Node node, Scope scope, StringBuilder out) {
        sandbox.step();
        sandbox.enter();
        try {
            return exec0(node, scope, out);
        } finally {
            sandbox.exit();
        }
    }

    private Flow exec0(Node node, Scope scope, StringBuilder out) {
        switch (node) {
            case Ast.Output o -> {
                out.append(o.text());
                sandbox.length(out);
            }
            case Ast.Print p -> {
                out.append(Py.str(eval(p.expr(), scope)));
                sandbox.length(out);
            }
            case Ast.If i -> {
                for (int k = 0; k < i.conditions().size(); k++) {
                    if (Py.truthy(eval(i.conditions().get(k), scope))) {
                        return exec(i.bodies().get(k), scope, out);
                    }
                }
                return exec(i.orElse(), scope, out);
            }
            case Ast.For f -> {
                return execFor(f, scope, out);
            }
            case Ast.Set s -> assign(s.target(), eval(s.value(), scope), scope, s.line());
            case Ast.SetBlock s -> {
                StringBuilder buf = new StringBuilder();
                exec(s.body(), scope, buf);
                assign(s.target(), applyFilters(s.filters(), buf.toString(), scope), scope, s.line());
            }
            case Ast.Macro m -> scope.set(m.name(), new Macro(m, scope, this));
            case Ast.FilterBlock f -> {
                StringBuilder buf = new StringBuilder();
                exec(f.body(), scope, buf);
                out.append(Py.str(applyFilters(f.filters(), buf.toString(), scope)));
                sandbox.length(out);
            }
            case Ast.With w -> {
                Scope inner = new Scope(scope);
                for (int k = 0; k < w.targets().size(); k++) {
                    assign(w.targets().get(k), eval(w.values().get(k), scope), inner, -1);
                }
                return exec(w.body(), inner, out);
            }
            case Ast.Break b -> {
                return Flow.BREAK;
            }
            case Ast.Continue c -> {
                return Flow.CONTINUE;
            }
            case Ast.Block b -> {
                return exec(b.body(), scope, out);
            }
        }
        return Flow.NORMAL;
    }

    private Flow execFor(Ast.For f, Scope scope, StringBuilder out) {
        List<Object> items = Py.iterate(eval(f.iterable(), scope));
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                sandbox.iterate(1);
                Scope s = new Scope(scope);
                assign(f.target(), item, s, f.line());
                if (Py.truthy(eval(f.filter(), s))) {
                    kept.add(item);
                }
            }
            items = kept;
        } else {
            items = new ArrayList<>(items);
        }
        if (items.isEmpty()) {
            return exec(f.orElse(), new Scope(scope), out);
        }
        LoopInfo loop = new LoopInfo(items);
        for (int k = 0; k < items.size(); k++) {
            sandbox.iterate(1);
            Scope s = new Scope(scope);
            assign(f.target(), items.get(k), s, f.line());
            loop.index0 = k;
            s.set("loop", loop);
            if (exec(f.body(), s, out) == Flow.BREAK) {
                break;
            }
        }
        return Flow.NORMAL;
    }

    private void assign(Target target, Object value, Scope scope, int line) {
        switch (target) {
            case Ast.NameTarget n -> scope.set(n.name(), value);
            case Ast.AttrTarget a -> {
                Object obj = scope.lookup(a.object());
                if (!(obj instanceof Namespace ns)) {
                    throw located(new PyError("cannot assign attribute on non-namespace object"), line);
                }
                ns.attrs.put(a.attr(), value);
            }
            case Ast.TupleTarget t -> {
                List<Object> items = Py.iterate(value);
                if (items.size() != t.items().size()) {
                    throw located(new PyError((items.size() > t.items().size() ? "too many" : "not enough")
                            + " values to unpack (expected " + t.items().size() + ", got " + items.size() + ")"), line);
                }
                for (int k = 0; k < items.size(); k++) {
                    assign(t.items().get(k), items.get(k), scope, line);
                }
            }
        }
    }

    private static PyError located(PyError e, int line) {
        if (e.line < 0) {
            e.line = line;
        }
        return e;
    }

    private Object applyFilters(List<FilterCall> filters, Object value, Scope scope) {
        for (FilterCall f : filters) {
            value = filter(f, value, scope);
        }
        return value;
    }

    private Object filter(FilterCall f, Object value, Scope scope) {
        if (!Filters.NAMES.contains(f.name())) {
            throw located(new PyError("no filter named '" + f.name() + "'"), f.line());
        }
        List<Object> args = new ArrayList<>();
        Map<String, Object> kw = new LinkedHashMap<>();
        evalArgs(f.args(), scope, args, kw);
        try {
            return Filters.apply(f.name(), value, args, kw);
        } catch (PyError e) {
            throw located(e, f.line());
        }
    }

    // ---- expressions

    Object eval(Expr e, Scope scope) {
        sandbox.step();
        sandbox.enter();
        try {
            return eval0(e, scope);
        } catch (PyError err) {
            throw located(err, e.line());
        } finally {
            sandbox.exit();
        }
    }

    private Object eval0(Expr e, Scope scope) {
        switch (e) {
            case Ast.Const c -> {
                return c.value();
            }
            case Ast.Name n -> {
                Object v = scope.lookup(n.name());
                if (v != Scope.MISSING) {
                    return v;
                }
                JinjaCallable g = Globals.get(n.name());
                return g != null ? g : new Undefined("'" + n.name() + "' is undefined");
            }
            case Ast.ListLit l -> {
                List<Object> r = new ArrayList<>(l.items().size());
                for (Expr x : l.items()) {
                    r.add(eval(x, scope));
                }
                return r;
            }
            case Ast.TupleLit t -> {
                List<Object> r = new ArrayList<>(t.items().size());
                for (Expr x : t.items()) {
                    r.add(eval(x, scope));
                }
                return new PyTuple(r);
            }
            case Ast.DictLit d -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                for (int k = 0; k < d.keys().size(); k++) {
                    m.put(eval(d.keys().get(k), scope), eval(d.values().get(k), scope));
                }
                return m;
            }
            case Ast.GetAttr g -> {
                return Py.getAttr(eval(g.object(), scope), g.name());
            }
            case Ast.GetItem g -> {
                return Py.getItem(eval(g.object(), scope), eval(g.key(), scope));
            }
            case Ast.Slice s -> {
                Object obj = eval(s.object(), scope);
                return Py.slice(obj, s.start() == null ? null : eval(s.start(), scope),
                        s.stop() == null ? null : eval(s.stop(), scope), s.step() == null ? null : eval(s.step(), scope));
            }
            case Ast.Call c -> {
                Object fn = eval(c.function(), scope);
                List<Object> args = new ArrayList<>();
                Map<String, Object> kw = new LinkedHashMap<>();
                evalArgs(c.args(), scope, args, kw);
                if (fn instanceof JinjaCallable callable) {
                    return callable.call(args, kw);
                }
                if (fn instanceof Undefined u) {
                    throw u.fail();
                }
                throw new PyError("'" + Py.typeName(fn) + "' object is not callable");
            }
            case Ast.Filter f -> {
                return filter(f.filter(), eval(f.value(), scope), scope);
            }
            case Ast.Test t -> {
                if (!Tests.NAMES.contains(t.name())) {
                    throw new PyError("no test named '" + t.name() + "'");
                }
                Object v = eval(t.value(), scope);
                List<Object> args = new ArrayList<>();
                evalArgs(t.args(), scope, args, new LinkedHashMap<>());
                return Tests.apply(t.name(), v, args) != t.negated();
            }
            case Ast.Unary u -> {
                Object v = eval(u.operand(), scope);
                return switch (u.op()) {
                    case "not" -> !Py.truthy(v);
                    case "-" -> Py.negate(v);
                    default -> Py.plus(v);
                };
            }
            case Ast.Binary b -> {
                return binary(b, scope);
            }
            case Ast.Compare c -> {
                Object left = eval(c.first(), scope);
                for (int k = 0; k < c.ops().size(); k++) {
                    Object right = eval(c.operands().get(k), scope);
                    String op = c.ops().get(k);
                    boolean ok = switch (op) {
                        case "==" -> Py.eq(left, right);
                        case "!=" -> !Py.eq(left, right);
                        case "<" -> Py.compare(left, right, op) < 0;
                        case "<=" -> Py.compare(left, right, op) <= 0;
                        case ">" -> Py.compare(left, right, op) > 0;
                        case ">=" -> Py.compare(left, right, op) >= 0;
                        case "in" -> Py.contains(right, left);
                        default -> !Py.contains(right, left);
                    };
                    if (!ok) {
                        return false;
                    }
                    left = right;
                }
                return true;
            }
            case Ast.CondExpr c -> {
                if (Py.truthy(eval(c.condition(), scope))) {
                    return eval(c.then(), scope);
                }
                return c.otherwise() != null ? eval(c.otherwise(), scope)
                        : new Undefined("the inline if-expression on line " + c.line()
                        + " evaluated to false and no else section was defined.");
            }
        }
    }

    private Object binary(Ast.Binary b, Scope scope) {
        Object left = eval(b.left(), scope);
        switch (b.op()) {
            case "and" -> {
                return Py.truthy(left) ? eval(b.right(), scope) : left;
            }
            case "or" -> {
                return Py.truthy(left) ? left : eval(b.right(), scope);
            }
            case "~" -> {
                String l = Py.str(left);
                String r = Py.str(eval(b.right(), scope));
                sandbox.allocate((long) l.length() + r.length());
                return l + r;
            }
            default -> {
                return Py.binary(b.op(), left, eval(b.right(), scope));
            }
        }
    }

    private void evalArgs(Args a, Scope scope, List<Object> args, Map<String, Object> kw) {
        for (Expr x : a.positional()) {
            args.add(eval(x, scope));
        }
        for (int k = 0; k < a.names().size(); k++) {
            kw.put(a.names().get(k), eval(a.values().get(k), scope));
        }
    }
}
