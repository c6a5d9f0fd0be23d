package dev.nextinfer.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j tool specifications → the chat template's {@code tools}: OpenAI's function format, which the Qwen3
 * templates print as JSON in the system turn.
 */
final class ToolMapper {
    private ToolMapper() {
    }

    static List<Map<String, Object>> toTemplateTools(List<ToolSpecification> specs) {
        List<Map<String, Object>> tools = new ArrayList<>(specs.size());
        for (ToolSpecification spec : specs) {
            tools.add(toTemplateTool(spec));
        }
        return tools;
    }

    static Map<String, Object> toTemplateTool(ToolSpecification spec) {
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", spec.name());
        if (spec.description() != null) {
            function.put("description", spec.description());
        }
        function.put("parameters", spec.parameters() == null
                ? Map.of("type", "object", "properties", Map.of())
                : JsonSchemaElementUtils.toMap(spec.parameters()));
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return tool;
    }
}
