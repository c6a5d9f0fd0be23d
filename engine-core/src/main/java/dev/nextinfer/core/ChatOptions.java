package dev.nextinfer.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How a {@link Chat} renders its prompt. Build with {@link #builder()}.
 *
 * @param system          a system message put first, or null
 * @param tools           function schemas offered to the model (OpenAI's {@code tools} array: {@code {"type":
 *                        "function", "function": {"name", "description", "parameters"}}}), as JSON-like trees;
 *                        empty for none
 * @param enableThinking  the template variable {@code enable_thinking} (Qwen3 templates), or null to leave the
 *                        template's default
 * @param templateContext more template variables (rendered as {@code apply_chat_template(..., **kwargs)})
 */
public record ChatOptions(String system, List<Map<String, Object>> tools, Boolean enableThinking,
                          Map<String, Object> templateContext) {

    /** Normalises nulls. */
    public ChatOptions {
        tools = tools == null ? List.of() : List.copyOf(tools);
        templateContext = templateContext == null ? Map.of() : Map.copyOf(templateContext);
    }

    /** No system message, no tools, the template's defaults. */
    public static ChatOptions defaults() {
        return builder().build();
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The variables passed to the template besides messages and tools. */
    public Map<String, Object> templateVariables() {
        Map<String, Object> vars = new HashMap<>(templateContext);
        if (enableThinking != null) {
            vars.put("enable_thinking", enableThinking);
        }
        return vars;
    }

    /** Builder of {@link ChatOptions}. */
    public static final class Builder {
        private String system;
        private List<Map<String, Object>> tools = List.of();
        private Boolean enableThinking;
        private Map<String, Object> templateContext = Map.of();

        private Builder() {
        }

        /** The system message (null: none). */
        public Builder system(String v) {
            system = v;
            return this;
        }

        /** Tool schemas (OpenAI {@code tools} format). */
        public Builder tools(List<Map<String, Object>> v) {
            tools = v;
            return this;
        }

        /** {@code enable_thinking} for templates that have the switch; null = template default. */
        public Builder enableThinking(Boolean v) {
            enableThinking = v;
            return this;
        }

        /** Extra template variables. */
        public Builder templateContext(Map<String, Object> v) {
            templateContext = v;
            return this;
        }

        /** The options. */
        public ChatOptions build() {
            return new ChatOptions(system, tools, enableThinking, templateContext);
        }
    }
}
