package dev.nextinfer.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.ToolCall;
import java.util.ArrayList;
import java.util.List;

/**
 * LangChain4j messages → the engine's: system, user (text), AI (text, thinking, tool execution requests) and tool
 * results. Qwen3 templates render tool results as {@code <tool_response>} blocks in a user turn and AI tool calls
 * as {@code <tool_call>} blocks; thinking is rendered back for the turns after the last user message.
 */
final class MessageMapper {
    private MessageMapper() {
    }

    static List<ChatMessage> toEngine(List<dev.langchain4j.data.message.ChatMessage> messages) {
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (dev.langchain4j.data.message.ChatMessage m : messages) {
            out.add(toEngine(m));
        }
        return out;
    }

    static ChatMessage toEngine(dev.langchain4j.data.message.ChatMessage message) {
        return switch (message) {
            case SystemMessage s -> ChatMessage.system(s.text());
            case UserMessage u -> ChatMessage.user(u.hasSingleText() ? u.singleText() : text(u.contents(), "a user message"));
            case AiMessage a -> ChatMessage.assistant(a.text(), blankToNull(a.thinking()), toolCalls(a.toolExecutionRequests()));
            case ToolExecutionResultMessage t -> ChatMessage.tool(t.id() == null ? "" : t.id(),
                    t.text() != null ? t.text() : text(t.contents(), "a tool result"));
            default -> throw new UnsupportedFeatureException("nextinfer does not support " + message.type()
                    + " messages (system, user, AI and tool results are supported)");
        };
    }

    /** The text of text-only contents, joined by newlines; other contents (images, audio, PDF…) are unsupported. */
    private static String text(List<Content> contents, String where) {
        List<String> parts = new ArrayList<>();
        for (Content c : contents) {
            if (!(c instanceof TextContent t)) {
                throw new UnsupportedFeatureException("nextinfer models read text only: " + c.type()
                        + " content in " + where + " is not supported");
            }
            parts.add(t.text());
        }
        return String.join("\n", parts);
    }

    private static List<ToolCall> toolCalls(List<ToolExecutionRequest> requests) {
        List<ToolCall> calls = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            ToolExecutionRequest r = requests.get(i);
            String args = r.arguments() == null || r.arguments().isBlank() ? "{}" : r.arguments();
            calls.add(new ToolCall(r.id() == null ? "call_" + i : r.id(), r.name(), args));
        }
        return calls;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
