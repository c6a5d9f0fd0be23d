package dev.nextinfer.spring.ai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * A prompt with its (merged) {@link NextinferChatOptions} → a {@link Turn}: messages, the tools the tool-calling
 * manager resolves from the options' callbacks (printed by the chat template), the thinking switch and the
 * generation config. Values left null keep the checkpoint's recommended sampling.
 */
final class OptionsMapper {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OptionsMapper() {
    }

    static Turn toTurn(Prompt prompt, NextinferChatOptions options, GenerationConfig base, ToolCallingManager tools) {
        ChatOptions.Builder chat = ChatOptions.builder().enableThinking(options.getEnableThinking());
        List<ToolDefinition> definitions = tools.resolveToolDefinitions(options);
        if (!definitions.isEmpty()) {
            chat.tools(templateTools(definitions));
        }
        return new Turn(PromptMapper.toEngine(prompt.getInstructions()), chat.build(), config(options, base),
                options.getMaxTokens() == null);
    }

    static GenerationConfig config(NextinferChatOptions o, GenerationConfig base) {
        GenerationConfig.Builder b = base.toBuilder();
        if (o.getTemperature() != null) {
            b.temperature(o.getTemperature());
        }
        if (o.getTopP() != null) {
            b.topP(o.getTopP());
        }
        if (o.getTopK() != null) {
            b.topK(o.getTopK());
        }
        if (o.getFrequencyPenalty() != null) {
            b.frequencyPenalty(o.getFrequencyPenalty());
        }
        if (o.getPresencePenalty() != null) {
            b.presencePenalty(o.getPresencePenalty());
        }
        if (o.getMaxTokens() != null) {
            b.maxTokens(o.getMaxTokens());
        }
        if (o.getStopSequences() != null && !o.getStopSequences().isEmpty()) {
            b.stopStrings(o.getStopSequences());
        }
        if (o.getSeed() != null) {
            b.seed(o.getSeed());
        }
        if (o.getMinP() != null) {
            b.minP(o.getMinP());
        }
        if (o.getRepetitionPenalty() != null) {
            b.repetitionPenalty(o.getRepetitionPenalty());
        }
        if (o.getMtpDraftTokens() != null) {
            b.mtpDraftTokens(o.getMtpDraftTokens());
        }
        try {
            return b.build();
        } catch (NextInferException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Spring AI tool definitions → OpenAI-format function tools, as the chat templates read them. */
    static List<Map<String, Object>> templateTools(List<ToolDefinition> definitions) {
        List<Map<String, Object>> out = new ArrayList<>(definitions.size());
        for (ToolDefinition d : definitions) {
            Map<String, Object> fn = new LinkedHashMap<>();
            fn.put("name", d.name());
            if (d.description() != null && !d.description().isEmpty()) {
                fn.put("description", d.description());
            }
            fn.put("parameters", schema(d));
            Map<String, Object> tool = new LinkedHashMap<>();
            tool.put("type", "function");
            tool.put("function", fn);
            out.add(tool);
        }
        return out;
    }

    private static Object schema(ToolDefinition d) {
        if (d.inputSchema() == null || d.inputSchema().isBlank()) {
            return Map.of("type", "object", "properties", Map.of());
        }
        try {
            return JSON.readValue(d.inputSchema(), Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool " + d.name() + ": its input schema is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }
}
