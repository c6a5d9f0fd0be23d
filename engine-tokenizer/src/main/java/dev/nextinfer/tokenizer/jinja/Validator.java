package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.jinja.Ast.Args;
import dev.nextinfer.tokenizer.jinja.Ast.Expr;
import dev.nextinfer.tokenizer.jinja.Ast.FilterCall;
import dev.nextinfer.tokenizer.jinja.Ast.Node;
import java.util.List;

/**
 * Checks a parsed template as Jinja2's compiler does: an unknown filter or test name is an error when the
 * template is loaded, even in a branch that never runs.
 */
final class Validator {
    private Validator() {
    }

    /** Deepest syntax tree accepted (a left-leaning chain like {@code a ~ a ~ a …} is as deep as it is long). */
    static final int MAX_DEPTH = 512;

    static void check(List<Node> body) {
        check(body, 0);
    }

    private static void check(List<Node> body, int depth) {
        for (Node n : body) {
            node(n, depth + 1);
        }
    }

    private static void deep(int depth, int line) {
        if (depth > MAX_DEPTH) {
            throw new TemplateException("chat template" + (line > 0 ? " line " + line : "") + ": nested more than "
                    + MAX_DEPTH + " levels deep");
        }
    }

    private static void node(Node n, int depth) {
        deep(depth, -1);
        switch (n) {
            case Ast.Output o -> { }
            case Ast.Print p -> expr(p.expr(), depth);
            case Ast.If i -> {
                i.conditions().forEach(c -> expr(c, depth));
                i.bodies().forEach(b -> check(b, depth));
                check(i.orElse(), depth);
            }
            case Ast.For f -> {
                expr(f.iterable(), depth);
                if (f.filter() != null) {
                    expr(f.filter(), depth);
                }
                check(f.body(), depth);
                check(f.orElse(), depth);
            }
            case Ast.Set s -> expr(s.value(), depth);
            case Ast.SetBlock s -> {
                s.filters().forEach(x -> filter(x, depth));
                check(s.body(), depth);
            }
            case Ast.Macro m -> {
                m.defaults().stream().filter(d -> d != null).forEach(d -> expr(d, depth));
                check(m.body(), depth);
            }
            case Ast.FilterBlock f -> {
                f.filters().forEach(x -> filter(x, depth));
                check(f.body(), depth);
            }
            case Ast.With w -> {
                w.values().forEach(v -> expr(v, depth));
                check(w.body(), depth);
            }
            case Ast.Break b -> { }
            case Ast.Continue c -> { }
            case Ast.Block b -> check(b.body(), depth);
        }
    }

    private static void filter(FilterCall f, int depth) {
        if (!Filters.NAMES.contains(f.name())) {
            throw new TemplateException("chat template line " + f.line() + ": no filter named '" + f.name() + "'");
        }
        args(f.args(), depth);
    }

    private static void args(Args a, int depth) {
        a.positional().forEach(x -> expr(x, depth));
        a.values().forEach(x -> expr(x, depth));
    }

    private static void expr(Expr e0, int depth0) {
        Expr e = e0;
        int depth = depth0 + 1;
        deep(depth, e.line());
        switch (e) {
            case Ast.Const c -> { }
            case Ast.Name n -> { }
            case Ast.ListLit l -> l.items().forEach(x -> expr(x, depth));
            case Ast.TupleLit t -> t.items().forEach(x -> expr(x, depth));
            case Ast.DictLit d -> {
                d.keys().forEach(x -> expr(x, depth));
                d.values().forEach(x -> expr(x, depth));
            }
            case Ast.GetAttr g -> expr(g.object(), depth);
            case Ast.GetItem g -> {
                expr(g.object(), depth);
                expr(g.key(), depth);
            }
            case Ast.Slice s -> {
                expr(s.object(), depth);
                for (Expr x : new Expr[] {s.start(), s.stop(), s.step()}) {
                    if (x != null) {
                        expr(x, depth);
                    }
                }
            }
            case Ast.Call c -> {
                expr(c.function(), depth);
                args(c.args(), depth);
            }
            case Ast.Filter f -> {
                expr(f.value(), depth);
                filter(f.filter(), depth);
            }
            case Ast.Test t -> {
                if (!Tests.NAMES.contains(t.name())) {
                    throw new TemplateException("chat template line " + t.line() + ": no test named '" + t.name() + "'");
                }
                expr(t.value(), depth);
                args(t.args(), depth);
            }
            case Ast.Unary u -> expr(u.operand(), depth);
            case Ast.Binary b -> {
                expr(b.left(), depth);
                expr(b.right(), depth);
            }
            case Ast.Compare c -> {
                expr(c.first(), depth);
                c.operands().forEach(x -> expr(x, depth));
            }
            case Ast.CondExpr c -> {
                expr(c.condition(), depth);
                expr(c.then(), depth);
                if (c.otherwise() != null) {
                    expr(c.otherwise(), depth);
                }
            }
        }
    }
}
