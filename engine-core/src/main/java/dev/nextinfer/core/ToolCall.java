package dev.nextinfer.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A function call the model asked for: a {@code <tool_call>{"name": …, "arguments": {…}}</tool_call>} block of
 * its output.
 *
 * @param id        an identifier unique within the conversation ({@code call_…}), used to match the tool's result
 * @param name      the function name
 * @param arguments the arguments as a JSON object text (compact), as OpenAI's API carries them
 */
public record ToolCall(String id, String name, String arguments) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Validates. */
    public ToolCall {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(arguments, "arguments");
    }

    /** The arguments as a JSON-like tree ({@code Map}, {@code List}, strings, numbers, booleans, null). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> argumentsMap() {
        try {
            Object v = JSON.readValue(arguments, Object.class);
            return v instanceof Map<?, ?> m ? (Map<String, Object>) m : new LinkedHashMap<>();
        } catch (JsonProcessingException e) {
            throw new NextInferException("tool call " + id + ": arguments are not valid JSON: " + e.getOriginalMessage());
        }
    }
}
