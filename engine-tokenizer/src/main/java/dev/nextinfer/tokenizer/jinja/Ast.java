package dev.nextinfer.tokenizer.jinja;

import java.util.List;

/** The syntax tree of a template: statements ({@link Node}) and expressions ({@link Expr}). Immutable. */
final class Ast {
    private Ast() {
    }

    /** A statement. */
    sealed interface Node permits Output, Print, If, For, Set, SetBlock, Macro, FilterBlock, With, Break, Continue,
            Block {
    }

    /** Template text, output as is. */
    record Output(String text) implements Node {
    }

    /** {@code {{ expr }}}. */
    record Print(Expr expr) implements Node {
    }

    /** {@code if}/{@code elif}… with bodies, then the {@code else} body (maybe empty). */
    record If(List<Expr> conditions, List<List<Node>> bodies, List<Node> orElse) implements Node {
    }

    /** {@code {% for target in iterable if filter %}…{% else %}…{% endfor %}}. */
    record For(Target target, Expr iterable, Expr filter, List<Node> body, List<Node> orElse, int line)
            implements Node {
    }

    /** {@code {% set target = value %}}. */
    record Set(Target target, Expr value, int line) implements Node {
    }

    /** {@code {% set name | filters %}…{% endset %}}. */
    record SetBlock(Target target, List<FilterCall> filters, List<Node> body, int line) implements Node {
    }

    /** {@code {% macro name(params) %}…{% endmacro %}}; a null default means the parameter is required. */
    record Macro(String name, List<String> params, List<Expr> defaults, List<Node> body, int line) implements Node {
    }

    /** {@code {% filter f %}…{% endfilter %}}. */
    record FilterBlock(List<FilterCall> filters, List<Node> body, int line) implements Node {
    }

    /** {@code {% with a = 1 %}…{% endwith %}}: a new scope. */
    record With(List<Target> targets, List<Expr> values, List<Node> body) implements Node {
    }

    /** {@code {% break %}}. */
    record Break(int line) implements Node {
    }

    /** {@code {% continue %}}. */
    record Continue(int line) implements Node {
    }

    /** A body rendered in place (e.g. Hugging Face's {@code {% generation %}}). */
    record Block(List<Node> body) implements Node {
    }

    /** An assignment target. */
    sealed interface Target permits NameTarget, AttrTarget, TupleTarget {
    }

    /** A variable. */
    record NameTarget(String name) implements Target {
    }

    /** {@code ns.attr} (namespace objects only). */
    record AttrTarget(String object, String attr) implements Target {
    }

    /** {@code a, b} unpacking. */
    record TupleTarget(List<Target> items) implements Target {
    }

    /** Call arguments: positional ones, then keyword ones. */
    record Args(List<Expr> positional, List<String> names, List<Expr> values) {
        static final Args NONE = new Args(List.of(), List.of(), List.of());
    }

    /** {@code | name(args)}. */
    record FilterCall(String name, Args args, int line) {
    }

    /** An expression; {@code line} is for error messages. */
    sealed interface Expr permits Const, Name, ListLit, TupleLit, DictLit, GetAttr, GetItem, Slice, Call, Filter,
            Test, Unary, Binary, Compare, CondExpr {
        int line();
    }

    /** A literal (String, Long, Double, Boolean or null). */
    record Const(Object value, int line) implements Expr {
    }

    /** A variable reference. */
    record Name(String name, int line) implements Expr {
    }

    /** {@code [a, b]}. */
    record ListLit(List<Expr> items, int line) implements Expr {
    }

    /** {@code (a, b)}. */
    record TupleLit(List<Expr> items, int line) implements Expr {
    }

    /** {@code {k: v}}. */
    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr {
    }

    /** {@code obj.name}. */
    record GetAttr(Expr object, String name, int line) implements Expr {
    }

    /** {@code obj[key]}. */
    record GetItem(Expr object, Expr key, int line) implements Expr {
    }

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr object, Expr start, Expr stop, Expr step, int line) implements Expr {
    }

    /** {@code fn(args)}. */
    record Call(Expr function, Args args, int line) implements Expr {
    }

    /** {@code value | name(args)}. */
    record Filter(Expr value, FilterCall filter, int line) implements Expr {
    }

    /** {@code value is [not] name(args)}. */
    record Test(Expr value, String name, Args args, boolean negated, int line) implements Expr {
    }

    /** {@code not x}, {@code -x}, {@code +x}. */
    record Unary(String op, Expr operand, int line) implements Expr {
    }

    /** {@code and or + - * / // % ** ~}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    /** {@code a < b <= c}, {@code in}, {@code not in} (chained like Python). */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr {
    }

    /** {@code then if condition else otherwise}; a missing else gives undefined. */
    record CondExpr(Expr condition, Expr then, Expr otherwise, int line) implements Expr {
    }
}
