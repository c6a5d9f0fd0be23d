package dev.nextinfer.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One message of a conversation, as chat templates read it.
 *
 * @param role       {@code system}, {@code user}, {@code assistant} or {@code tool}
 * @param content    the text (may be empty, e.g. an assistant message that only calls tools)
 * @param reasoning  an assistant's thinking ({@code reasoning_content} in the template), or null
 * @param toolCalls  the tool calls of an assistant message (empty otherwise)
 * @param toolCallId for a {@code tool} message: the id of the call it answers, or null
 */
public record ChatMessage(String role, String content, String reasoning, List<ToolCall> toolCalls, String toolCallId) {
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool");

    /** Validates the role. */
    public ChatMessage {
        Objects.requireNonNull(role, "role");
        if (!ROLES.contains(role)) {
            throw new NextInferException("unknown message role '" + role + "' (expected system, user, assistant or tool)");
        }
        content = content == null ? "" : content;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage("system", content, null, List.of(), null);
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage("user", content, null, List.of(), null);
    }

    /** An assistant message with text only. */
    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content, null, List.of(), null);
    }

    /** An assistant message with reasoning and tool calls. */
    public static ChatMessage assistant(String content, String reasoning, List<ToolCall> toolCalls) {
        return new ChatMessage("assistant", content, reasoning, toolCalls, null);
    }

    /** The result of a tool call, to send back to the model. */
    public static ChatMessage tool(String toolCallId, String content) {
        return new ChatMessage("tool", content, null, List.of(), toolCallId);
    }

    /**
     * The message as the JSON-like tree Hugging Face chat templates read: {@code role}, {@code content},
     * {@code reasoning_content}, {@code tool_calls[].function.{name, arguments}} (arguments as an object),
     * {@code tool_call_id}.
     */
    public Map<String, Object> toTemplateMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        if (reasoning != null) {
            m.put("reasoning_content", reasoning);
        }
        if (!toolCalls.isEmpty()) {
            List<Object> calls = new ArrayList<>();
            for (ToolCall c : toolCalls) {
                Map<String, Object> fn = new LinkedHashMap<>();
                fn.put("name", c.name());
                fn.put("arguments", c.argumentsMap());
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("id", c.id());
                call.put("type", "function");
                call.put("function", fn);
                calls.add(call);
            }
            m.put("tool_calls", calls);
        }
        if (toolCallId != null) {
            m.put("tool_call_id", toolCallId);
        }
        return m;
    }
}
