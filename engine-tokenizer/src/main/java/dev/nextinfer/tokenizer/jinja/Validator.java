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

    static void check(List<Node> body) {
        for (Node n : body) {
            node(n);
        }
    }

    private static void node(Node n) {
        switch (n) {
            case Ast.Output o -> { }
            case Ast.Print p -> expr(p.expr());
            case Ast.If i -> {
                i.conditions().forEach(Validator::expr);
                i.bodies().forEach(Validator::check);
                check(i.orElse());
            }
            case Ast.For f -> {
                expr(f.iterable());
                if (f.filter() != null) {
                    expr(f.filter());
                }
                check(f.body());
                check(f.orElse());
            }
            case Ast.Set s -> expr(s.value());
            case Ast.SetBlock s -> {
                s.filters().forEach(Validator::filter);
                check(s.body());
            }
            case Ast.Macro m -> {
                m.defaults().stream().filter(d -> d != null).forEach(Validator::expr);
                check(m.body());
            }
            case Ast.FilterBlock f -> {
                f.filters().forEach(Validator::filter);
                check(f.body());
            }
            case Ast.With w -> {
                w.values().forEach(Validator::expr);
                check(w.body());
            }
            case Ast.Break b -> { }
            case Ast.Continue c -> { }
            case Ast.Block b -> check(b.body());
        }
    }

    private static void filter(FilterCall f) {
        if (!Filters.NAMES.contains(f.name())) {
            throw new TemplateException("chat template line " + f.line() + ": no filter named '" + f.name() + "'");
        }
        args(f.args());
    }

    private static void args(Args a) {
        a.positional().forEach(Validator::expr);
        a.values().forEach(Validator::expr);
    }

    private static void expr(Expr e) {
        switch (e) {
            case Ast.Const c -> { }
            case Ast.Name n -> { }
            case Ast.ListLit l -> l.items().forEach(Validator::expr);
            case Ast.TupleLit t -> t.items().forEach(Validator::expr);
            case Ast.DictLit d -> {
                d.keys().forEach(Validator::expr);
                d.values().forEach(Validator::expr);
            }
            case Ast.GetAttr g -> expr(g.object());
            case Ast.GetItem g -> {
                expr(g.object());
                expr(g.key());
            }
            case Ast.Slice s -> {
                expr(s.object());
                for (Expr x : new Expr[] {s.start(), s.stop(), s.step()}) {
                    if (x != null) {
                        expr(x);
                    }
                }
            }
            case Ast.Call c -> {
                expr(c.function());
                args(c.args());
            }
            case Ast.Filter f -> {
                expr(f.value());
                filter(f.filter());
            }
            case Ast.Test t -> {
                if (!Tests.NAMES.contains(t.name())) {
                    throw new TemplateException("chat template line " + t.line() + ": no test named '" + t.name() + "'");
                }
                expr(t.value());
                args(t.args());
            }
            case Ast.Unary u -> expr(u.operand());
            case Ast.Binary b -> {
                expr(b.left());
                expr(b.right());
            }
            case Ast.Compare c -> {
                expr(c.first());
                c.operands().forEach(Validator::expr);
            }
            case Ast.CondExpr c -> {
                expr(c.condition());
                expr(c.then());
                if (c.otherwise() != null) {
                    expr(c.otherwise());
                }
            }
        }
    }
}
