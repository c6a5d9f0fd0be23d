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
 *
 * <p>Templates are untrusted code (they come inside model files): a render sees only the variables it is given
 * (no attribute of a Java object is reachable, no file, no environment) and runs inside bounds on time, steps, loop
 * iterations, output and value sizes and nesting ({@link Limits}); a template that exceeds one fails with a
 * {@link TemplateException} naming the bound.
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
        return render(variables, Limits.DEFAULT);
    }

    /**
     * Renders within {@code limits}.
     *
     * @throws TemplateException on an error while rendering, or when the template exceeds one of the limits
     */
    public String render(Map<String, ?> variables, Limits limits) {
        Scope root = new Scope(null);
        variables.forEach(root::set);
        StringBuilder out = new StringBuilder();
        Sandbox sandbox = Sandbox.open(limits);
        try {
            new Interpreter(sandbox).exec(body, root, out);
        } catch (PyError e) {
            throw new TemplateException("chat template" + (e.line > 0 ? " line " + e.line : "") + ": "
                    + e.getMessage());
        } catch (StackOverflowError e) {
            throw new TemplateException("chat template: recursion too deep");
        } finally {
            sandbox.close();
        }
        return out.toString();
    }

    /**
     * The bounds of one render (see {@link JinjaTemplate}). The defaults are far above what any real chat template
     * needs for the largest request a server accepts, and low enough that a hostile template fails in seconds
     * with bounded memory.
     *
     * @param maxSteps          statements and expressions evaluated
     * @param maxLoopIterations for-loop iterations in all (plus elements {@code range} makes)
     * @param maxOutputChars    characters of output, and the largest string or list any expression may make; the
     *                          render may make {@value Sandbox#ALLOCATION_FACTOR} times this in all
     * @param maxDepth          nesting of statements, expressions, macro calls and values being printed (bounds the
     *                          stack a render uses)
     * @param maxMillis         wall-clock time
     */
    public record Limits(long maxSteps, long maxLoopIterations, int maxOutputChars, int maxDepth, long maxMillis) {
        /** 10⁸ steps, 10⁷ loop iterations, 32 Mi characters, depth 512, 10 s. */
        public static final Limits DEFAULT = new Limits(100_000_000L, 10_000_000L, 32 << 20, 512, 10_000L);

        /** Checks the values. */
        public Limits {
            if (maxSteps < 1 || maxLoopIterations < 1 || maxOutputChars < 1 || maxDepth < 1 || maxMillis < 1) {
                throw new IllegalArgumentException("every template limit must be positive: " + maxSteps + ", "
                        + maxLoopIterations + ", " + maxOutputChars + ", " + maxDepth + ", " + maxMillis);
            }
        }
    }
}
