package dev.nextinfer.tokenizer;

import dev.nextinfer.tokenizer.jinja.JinjaTemplate;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A chat template (Jinja2 source, as in {@code tokenizer_config.json}) rendered the way Hugging Face's
 * {@code apply_chat_template} renders it, byte for byte: see {@link JinjaTemplate} for the dialect. Parse once,
 * render many times; {@link #render} is thread-safe.
 *
 * <p>Messages and tools are JSON-like trees ({@code Map}, {@code List}, {@code String}, {@code Number},
 * {@code Boolean}, {@code null}), e.g. what Jackson's {@code convertValue(node, Object.class)} gives; templates
 * read arbitrary fields from them ({@code role}, {@code content}, {@code reasoning_content},
 * {@code tool_calls[].function.arguments} as a dict or a string, …).
 */
public final class ChatTemplate {
    private final String source;
    private final JinjaTemplate template;
    private final Map<String, Object> defaults;

    private ChatTemplate(String source, JinjaTemplate template, Map<String, Object> defaults) {
        this.source = source;
        this.template = template;
        this.defaults = defaults;
    }

    /**
     * Parses a template.
     *
     * @throws TokenizerException (a {@link dev.nextinfer.tokenizer.jinja.TemplateException}) naming the line
     *                            when the source is not a valid template
     */
    public static ChatTemplate of(String source) {
        Objects.requireNonNull(source, "source");
        return new ChatTemplate(source, JinjaTemplate.parse(source), Map.of());
    }

    /** Reads and parses a template file (UTF-8). */
    public static ChatTemplate fromFile(Path file) {
        try {
            return of(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TokenizerException(file + ": cannot read chat template: " + e.getMessage(), e);
        }
    }

    /**
     * The same template with variables every render sees unless {@code extraContext} overrides them, e.g. the
     * tokenizer's special tokens ({@link Tokenizer#specialTokensMap()}), which transformers passes to templates.
     */
    public ChatTemplate withDefaults(Map<String, Object> vars) {
        return new ChatTemplate(source, template, Map.copyOf(vars));
    }

    /** The template source. */
    public String source() {
        return source;
    }

    /**
     * Renders a conversation as Hugging Face's {@code apply_chat_template(messages, tools=tools,
     * add_generation_prompt=…, tokenize=False, **extraContext)} does.
     *
     * @param messages            the conversation
     * @param tools               tool (function) schemas, or null (the template sees {@code tools} = None)
     * @param addGenerationPrompt whether to open an assistant turn at the end
     * @param extraContext        more template variables, e.g. {@code enable_thinking}; may be null
     * @throws TokenizerException when rendering fails, including the template's own {@code raise_exception}
     */
    public String render(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                         boolean addGenerationPrompt, Map<String, Object> extraContext) {
        Objects.requireNonNull(messages, "messages");
        Map<String, Object> vars = new HashMap<>(defaults);
        if (extraContext != null) {
            vars.putAll(extraContext);
        }
        vars.put("messages", messages);
        vars.put("tools", tools);
        vars.put("documents", null);
        vars.put("add_generation_prompt", addGenerationPrompt);
        return template.render(vars);
    }
}
