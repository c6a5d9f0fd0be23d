package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.jinja.Ast.Args;
import dev.nextinfer.tokenizer.jinja.Ast.Expr;
import dev.nextinfer.tokenizer.jinja.Ast.FilterCall;
import dev.nextinfer.tokenizer.jinja.Ast.Node;
import dev.nextinfer.tokenizer.jinja.Ast.Target;
import dev.nextinfer.tokenizer.jinja.Token.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent parser with Jinja2's grammar and operator precedence (lowest first): conditional
 * expression, {@code or}, {@code and}, {@code not}, comparisons and {@code in}, {@code + -}, {@code ~},
 * {@code * / // %}, {@code **}, unary {@code - +}, then postfix ({@code .attr}, {@code [key]}, calls) with
 * filters and {@code is} tests binding tightest.
 */
final class Parser {
    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", ">", "<=", ">=");

    /** Deepest nesting the parser follows (parentheses, literals, blocks, prefix operators): bounds its stack. */
    static final int MAX_NESTING = 200;

    private final List<Token> tokens;
    private int p;
    private int nesting;

    private void enter() {
        if (++nesting > MAX_NESTING) {
            throw error("nested more than " + MAX_NESTING + " levels deep");
        }
    }

    private void leave() {
        nesting--;
    }

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    /** Parses a whole template. */
    static List<Node> parse(String source) {
        Parser parser = new Parser(Lexer.tokenize(source));
        List<Node> body = parser.subparse(Set.of());
        if (parser.peek().kind() != Kind.EOF) {
            throw parser.error("unexpected '" + parser.peekAt(1).text() + "'");
        }
        return body;
    }

    // ---- token helpers

    private Token peek() {
        return tokens.get(p);
    }

    private Token peekAt(int k) {
        return tokens.get(Math.min(p + k, tokens.size() - 1));
    }

    private Token next() {
        return tokens.get(p++);
    }

    private TemplateException error(String msg) {
        return new TemplateException("chat template line " + peek().line() + ": " + msg);
    }

    private Token expect(Kind kind, String text) {
        Token t = peek();
        if (t.kind() != kind || (text != null && !t.text().equals(text))) {
            String want = text != null ? "'" + text + "'" : kind.name().toLowerCase();
            throw error("expected " + want + ", got " + t);
        }
        return next();
    }

    private boolean skipOp(String op) {
        if (peek().isOp(op)) {
            p++;
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (peek().isName(name)) {
            p++;
            return true;
        }
        return false;
    }

    private String expectName() {
        return expect(Kind.NAME, null).text();
    }

    // ---- statements

    /** Parses nodes until EOF or a block tag whose keyword is in {@code endTokens} (left unconsumed after '{%'). */
    private List<Node> subparse(Set<String> endTokens) {
        enter();
        try {
            return subparse0(endTokens);
        } finally {
            leave();
        }
    }

    private List<Node> subparse0(Set<String> endTokens) {
        List<Node> body = new ArrayList<>();
        while (true) {
            Token t = peek();
            switch (t.kind()) {
                case EOF -> {
                    if (!endTokens.isEmpty()) {
                        throw error("unexpected end of template, expected one of " + endTokens);
                    }
                    return body;
                }
                case DATA -> body.add(new Ast.Output(next().text()));
                case VAR_BEGIN -> {
                    next();
                    Expr e = parseTuple(true, false);
                    expect(Kind.VAR_END, null);
                    body.add(new Ast.Print(e));
                }
                case BLOCK_BEGIN -> {
                    Token kw = peekAt(1);
                    if (kw.kind() == Kind.NAME && endTokens.contains(kw.text())) {
                        next();
                        return body;
                    }
                    next();
                    body.add(statement());
                }
                default -> throw error("unexpected " + t);
            }
        }
    }

    private Node statement() {
        Token kw = peek();
        if (kw.kind() != Kind.NAME) {
            throw error("expected a tag name, got " + kw);
        }
        next();
        return switch (kw.text()) {
            case "if" -> parseIf();
            case "for" -> parseFor(kw.line());
            case "set" -> parseSet(kw.line());
            case "macro" -> parseMacro(kw.line());
            case "filter" -> parseFilterBlock(kw.line());
            case "with" -> parseWith();
            case "break" -> endTag(new Ast.Break(kw.line()));
            case "continue" -> endTag(new Ast.Continue(kw.line()));
            case "generation" -> {
                expect(Kind.BLOCK_END, null);
                List<Node> body = subparse(Set.of("endgeneration"));
                next();
                expect(Kind.BLOCK_END, null);
                yield new Ast.Block(body);
            }
            default -> throw new TemplateException("chat template line " + kw.line() + ": unknown or unsupported tag '"
                    + kw.text() + "'");
        };
    }

    private Node endTag(Node n) {
        expect(Kind.BLOCK_END, null);
        return n;
    }

    private Node parseIf() {
        List<Expr> conds = new ArrayList<>();
        List<List<Node>> bodies = new ArrayList<>();
        List<Node> orElse = List.of();
        conds.add(parseTuple(false, false));
        expect(Kind.BLOCK_END, null);
        while (true) {
            bodies.add(subparse(Set.of("elif", "else", "endif")));
            String kw = next().text();
            if (kw.equals("elif")) {
                conds.add(parseTuple(false, false));
                expect(Kind.BLOCK_END, null);
            } else if (kw.equals("else")) {
                expect(Kind.BLOCK_END, null);
                orElse = subparse(Set.of("endif"));
                next();
                expect(Kind.BLOCK_END, null);
                break;
            } else {
                expect(Kind.BLOCK_END, null);
                break;
            }
        }
        return new Ast.If(conds, bodies, orElse);
    }

    private Node parseFor(int line) {
        Target target = parseAssignTarget(false);
        if (!skipName("in")) {
            throw error("expected 'in' in for loop");
        }
        Expr iterable = parseTuple(false, true);
        Expr filter = null;
        if (skipName("if")) {
            filter = parseExpression(true);
        }
        if (skipName("recursive")) {
            throw error("recursive for loops are not supported");
        }
        expect(Kind.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endfor", "else"));
        List<Node> orElse = List.of();
        if (next().text().equals("else")) {
            expect(Kind.BLOCK_END, null);
            orElse = subparse(Set.of("endfor"));
            next();
        }
        expect(Kind.BLOCK_END, null);
        return new Ast.For(target, iterable, filter, body, orElse, line);
    }

    private Node parseSet(int line) {
        Target target = parseAssignTarget(true);
        if (skipOp("=")) {
            Expr value = parseTuple(true, false);
            expect(Kind.BLOCK_END, null);
            return new Ast.Set(target, value, line);
        }
        List<FilterCall> filters = new ArrayList<>();
        while (skipOp("|")) {
            filters.add(parseFilterCall());
        }
        expect(Kind.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endset"));
        next();
        expect(Kind.BLOCK_END, null);
        return new Ast.SetBlock(target, filters, body, line);
    }

    private Node parseMacro(int line) {
        String name = expectName();
        expect(Kind.OP, "(");
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        while (!peek().isOp(")")) {
            if (!params.isEmpty()) {
                expect(Kind.OP, ",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            params.add(expectName());
            defaults.add(skipOp("=") ? parseExpression(true) : null);
        }
        expect(Kind.OP, ")");
        expect(Kind.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endmacro"));
        next();
        if (peek().kind() == Kind.NAME) {
            next();
        }
        expect(Kind.BLOCK_END, null);
        return new Ast.Macro(name, params, defaults, body, line);
    }

    private Node parseFilterBlock(int line) {
        List<FilterCall> filters = new ArrayList<>();
        filters.add(parseFilterCall());
        while (skipOp("|")) {
            filters.add(parseFilterCall());
        }
        expect(Kind.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endfilter"));
        next();
        expect(Kind.BLOCK_END, null);
        return new Ast.FilterBlock(filters, body, line);
    }

    private Node parseWith() {
        List<Target> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (peek().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expect(Kind.OP, ",");
            }
            targets.add(parseAssignTarget(false));
            expect(Kind.OP, "=");
            values.add(parseExpression(true));
        }
        expect(Kind.BLOCK_END, null);
        List<Node> body = subparse(Set.of("endwith"));
        next();
        expect(Kind.BLOCK_END, null);
        return new Ast.With(targets, values, body);
    }

    private Target parseAssignTarget(boolean withNamespace) {
        List<Target> items = new ArrayList<>();
        boolean paren = skipOp("(");
        do {
            if (paren && peek().isOp(")")) {
                break;
            }
            String name = expectName();
            if (withNamespace && skipOp(".")) {
                items.add(new Ast.AttrTarget(name, expectName()));
            } else {
                items.add(new Ast.NameTarget(name));
            }
        } while (skipOp(","));
        if (paren) {
            expect(Kind.OP, ")");
        }
        return items.size() == 1 && !paren ? items.get(0) : new Ast.TupleTarget(items);
    }

    // ---- expressions

    /** A comma-separated list becomes a tuple (as in {@code {% set a, b = 1, 2 %}}); one item stays itself. */
    private Expr parseTuple(boolean withCondExpr, boolean stopAtIf) {
        int line = peek().line();
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) {
                    break;
                }
                comma = true;
            }
            Token t = peek();
            if (t.kind() == Kind.VAR_END || t.kind() == Kind.BLOCK_END || (stopAtIf && t.isName("if"))) {
                break;
            }
            items.add(parseExpression(withCondExpr));
        }
        if (items.isEmpty()) {
            throw error("expected an expression, got " + peek());
        }
        return comma ? new Ast.TupleLit(items, line) : items.get(0);
    }

    private Expr parseExpression(boolean withCondExpr) {
        enter();
        try {
            return withCondExpr ? parseCondExpr() : parseOr();
        } finally {
            leave();
        }
    }

    private Expr parseCondExpr() {
        Expr e = parseOr();
        while (peek().isName("if")) {
            int line = next().line();
            Expr cond = parseOr();
            Expr otherwise = skipName("else") ? parseExpression(true) : null;
            e = new Ast.CondExpr(cond, e, otherwise, line);
        }
        return e;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (peek().isName("or")) {
            int line = next().line();
            left = new Ast.Binary("or", left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (peek().isName("and")) {
            int line = next().line();
            left = new Ast.Binary("and", left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (peek().isName("not")) {
            int line = next().line();
            enter();
            try {
                return new Ast.Unary("not", parseNot(), line);
            } finally {
                leave();
            }
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = peek().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = peek();
            if (t.kind() == Kind.OP && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peekAt(1).isName("in")) {
                p += 2;
                ops.add("not in");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Ast.Compare(first, ops, operands, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (peek().isOp("+") || peek().isOp("-")) {
            Token op = next();
            left = new Ast.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        Expr left = parseMath2();
        while (peek().isOp("~")) {
            int line = next().line();
            left = new Ast.Binary("~", left, parseMath2(), line);
        }
        return left;
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (peek().isOp("*") || peek().isOp("/") || peek().isOp("//") || peek().isOp("%")) {
            Token op = next();
            left = new Ast.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (peek().isOp("**")) {
            int line = next().line();
            left = new Ast.Binary("**", left, parseUnary(true), line);
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = peek();
        Expr node;
        if (t.isOp("-") || t.isOp("+")) {
            next();
            enter();
            try {
                node = new Ast.Unary(t.text(), parseUnary(false), t.line());
            } finally {
                leave();
            }
        } else {
            node = parsePostfix(parsePrimary());
        }
        return withFilter ? parseFilterExpr(node) : node;
    }

    private Expr parsePrimary() {
        Token t = next();
        int line = t.line();
        switch (t.kind()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Ast.Const(Boolean.TRUE, line);
                    case "false", "False" -> new Ast.Const(Boolean.FALSE, line);
                    case "none", "None" -> new Ast.Const(null, line);
                    default -> new Ast.Name(t.text(), line);
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder(t.text());
                while (peek().kind() == Kind.STRING) {
                    sb.append(next().text());
                }
                return new Ast.Const(sb.toString(), line);
            }
            case INTEGER -> {
                return new Ast.Const(integer(t.text()), line);
            }
            case FLOAT -> {
                return new Ast.Const(Double.parseDouble(t.text()), line);
            }
            case OP -> {
                switch (t.text()) {
                    case "(" -> {
                        if (skipOp(")")) {
                            return new Ast.TupleLit(List.of(), line);
                        }
                        Expr first = parseExpression(true);
                        if (skipOp(")")) {
                            return first;
                        }
                        List<Expr> items = new ArrayList<>();
                        items.add(first);
                        while (skipOp(",")) {
                            if (peek().isOp(")")) {
                                break;
                            }
                            items.add(parseExpression(true));
                        }
                        expect(Kind.OP, ")");
                        return new Ast.TupleLit(items, line);
                    }
                    case "[" -> {
                        List<Expr> items = new ArrayList<>();
                        while (!peek().isOp("]")) {
                            if (!items.isEmpty()) {
                                expect(Kind.OP, ",");
                                if (peek().isOp("]")) {
                                    break;
                                }
                            }
                            items.add(parseExpression(true));
                        }
                        expect(Kind.OP, "]");
                        return new Ast.ListLit(items, line);
                    }
                    case "{" -> {
                        List<Expr> keys = new ArrayList<>();
                        List<Expr> values = new ArrayList<>();
                        while (!peek().isOp("}")) {
                            if (!keys.isEmpty()) {
                                expect(Kind.OP, ",");
                                if (peek().isOp("}")) {
                                    break;
                                }
                            }
                            keys.add(parseExpression(true));
                            expect(Kind.OP, ":");
                            values.add(parseExpression(true));
                        }
                        expect(Kind.OP, "}");
                        return new Ast.DictLit(keys, values, line);
                    }
                    default -> {
                        p--;
                        throw error("unexpected '" + t.text() + "'");
                    }
                }
            }
            default -> {
                p--;
                throw error("unexpected " + t);
            }
        }
    }

    /** An integer literal as Python reads it: a long, or a big integer past 64 bits (up to the sandbox's bound). */
    private Object integer(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            if (digits.length() > Py.MAX_INT_BITS / 3) {
                throw error("integer literal of " + digits.length() + " digits is too large");
            }
            return new java.math.BigInteger(digits);
        }
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp(".")) {
                next();
                Token attr = next();
                if (attr.kind() == Kind.NAME) {
                    node = new Ast.GetAttr(node, attr.text(), attr.line());
                } else if (attr.kind() == Kind.INTEGER) {
                    node = new Ast.GetItem(node, new Ast.Const(integer(attr.text()), attr.line()), attr.line());
                } else {
                    p--;
                    throw error("expected an attribute name after '.'");
                }
            } else if (t.isOp("[")) {
                next();
                node = parseSubscript(node, t.line());
            } else if (t.isOp("(")) {
                next();
                node = new Ast.Call(node, parseArgs(), t.line());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node, int line) {
        Expr start = null;
        if (!peek().isOp(":")) {
            start = parseExpression(true);
            if (skipOp("]")) {
                return new Ast.GetItem(node, start, line);
            }
        }
        expect(Kind.OP, ":");
        Expr stop = null;
        Expr step = null;
        if (!peek().isOp("]") && !peek().isOp(":")) {
            stop = parseExpression(true);
        }
        if (skipOp(":") && !peek().isOp("]")) {
            step = parseExpression(true);
        }
        expect(Kind.OP, "]");
        return new Ast.Slice(node, start, stop, step, line);
    }

    /** Arguments after '(' up to and including ')'. */
    private Args parseArgs() {
        List<Expr> positional = new ArrayList<>();
        List<String> names = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        boolean first = true;
        while (!peek().isOp(")")) {
            if (!first) {
                expect(Kind.OP, ",");
                if (peek().isOp(")")) {
                    break;
                }
            }
            first = false;
            if (peek().isOp("*") || peek().isOp("**")) {
                throw error("*args and **kwargs in calls are not supported");
            }
            if (peek().kind() == Kind.NAME && peekAt(1).isOp("=")) {
                names.add(next().text());
                next();
                values.add(parseExpression(true));
            } else {
                if (!names.isEmpty()) {
                    throw error("positional argument after keyword argument");
                }
                positional.add(parseExpression(true));
            }
        }
        expect(Kind.OP, ")");
        return new Args(positional, names, values);
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = peek();
            if (t.isOp("|")) {
                next();
                node = new Ast.Filter(node, parseFilterCall(), t.line());
            } else if (t.isName("is")) {
                next();
                node = parseTest(node, t.line());
            } else if (t.isOp("(")) {
                next();
                node = new Ast.Call(node, parseArgs(), t.line());
            } else {
                return node;
            }
        }
    }

    private FilterCall parseFilterCall() {
        int line = peek().line();
        StringBuilder name = new StringBuilder(expectName());
        while (skipOp(".")) {
            name.append('.').append(expectName());
        }
        Args args = skipOp("(") ? parseArgs() : Args.NONE;
        return new FilterCall(name.toString(), args, line);
    }

    private Expr parseTest(Expr node, int line) {
        boolean negated = skipName("not");
        StringBuilder name = new StringBuilder(expectName());
        while (skipOp(".")) {
            name.append('.').append(expectName());
        }
        Args args = Args.NONE;
        Token t = peek();
        if (t.isOp("(")) {
            next();
            args = parseArgs();
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOp("(") || t.isOp("[") || t.isOp("{"))
                && !t.isName("else") && !t.isName("or") && !t.isName("and")) {
            if (t.isName("is")) {
                throw error("you cannot chain multiple tests with is");
            }
            args = new Args(List.of(parsePostfix(parsePrimary())), List.of(), List.of());
        }
        return new Ast.Test(node, name.toString(), args, negated, line);
    }
}
