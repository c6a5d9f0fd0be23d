package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.jinja.Ast.Node;
import java.util.List;
import java.util.Map;

/**
 * A Jinja2 template, parsed once and rendered any number of times (concurrently: the syntax tree is immutable
 * and each render has its own frames), with the semantics Hugging Face's {@code apply_chat_template} renders
 * chat templates with: Python Jinja2 in an immutable sandbox, {@code trim_blocks} and {@code lstrip_blocks} on,
 * the {@code loopcontrols} extension ({@code break}/{@code continue}), Hugging Face's {@code tojson},
 * {@code raise_exception} and {@code strftime_now}, and {@code {% generation %}} blocks rendered in place.
 *
 * <p>Covered: text and whitespace control, {@code if/elif/else}, {@code for} (with {@code loop}, filters,
 * {@code else}, unpacking), {@code set} (also {@code namespace} attributes and block sets), {@code macro},
 * {@code filter} and {@code with} blocks, all expression operators, slicing, Python string/dict/list methods,
 * Jinja's built-in filters and tests. Not covered (a clear error): {@code include}, {@code import},
 * {@code extends}, {@code call} blocks, recursive loops.
 */
public final class JinjaTemplate {
    private final List<Node> body;

    private JinjaTemplate(List<Node> body) {
        this.body = body;
    }

    /**
     * Parses a template.
     *
     * @throws TemplateException with the line number when the source is not a valid template (including an
     *                           unknown filter or test name, as Jinja2's compiler reports it)
     */
    public static JinjaTemplate parse(String source) {
        List<Node> body = Parser.parse(source);
        Validator.check(body);
        return new JinjaTemplate(body);
    }

    /**
     * Renders with the given variables (JSON-like values: Map, List, String, Number, Boolean, null).
     *
     * @throws TemplateException on an error while rendering (with the template line), including the template's
     *                           own {@code raise_exception(...)}
     */
    public String render(Map<String, ?> variables) {
        Scope root = new Scope(null);
        variables.forEach(root::set);
        StringBuilder out = new StringBuilder();
        try {
            new Interpreter().exec(body, root, out);
        } catch (PyError e) {
            throw new TemplateException("chat template" + (e.line > 0 ? " line " + e.line : "") + ": "
                    + e.getMessage());
        } catch (StackOverflowError e) {
            throw new TemplateException("chat template: recursion too deep");
        }
        return out.toString();
    }
}
