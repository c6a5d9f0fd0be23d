package dev.nextinfer.spring.ai;

import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.ToolCall;
import java.util.ArrayList;
import java.util.List;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;

/**
 * Spring AI messages → the engine's: system, user (text), assistant (text, tool calls, {@code reasoningContent})
 * and tool responses (one engine message per response). Qwen3 templates render tool responses as
 * {@code <tool_response>} blocks in a user turn.
 */
final class PromptMapper {
    /** The message property holding an assistant's reasoning (thinking), as Spring AI's providers name it. */
    static final String REASONING = "reasoningContent";

    private PromptMapper() {
    }

    static List<ChatMessage> toEngine(List<Message> messages) {
        List<ChatMessage> out = new ArrayList<>(messages.size());
        for (Message m : messages) {
            switch (m) {
                case SystemMessage s -> out.add(ChatMessage.system(text(s)));
                case UserMessage u -> {
                    if (!u.getMedia().isEmpty()) {
                        throw new IllegalArgumentException("nextinfer models read text only: a user message with "
                                + u.getMedia().size() + " media item(s) is not supported");
                    }
                    out.add(ChatMessage.user(text(u)));
                }
                case AssistantMessage a -> out.add(ChatMessage.assistant(text(a), reasoning(a), toolCalls(a)));
                case ToolResponseMessage t -> {
                    for (ToolResponseMessage.ToolResponse r : t.getResponses()) {
                        out.add(ChatMessage.tool(r.id(), r.responseData()));
                    }
                }
                default -> throw new IllegalArgumentException("unsupported message type: " + m.getMessageType());
            }
        }
        return out;
    }

    private static String text(Message m) {
        return m.getText() == null ? "" : m.getText();
    }

    private static String reasoning(AssistantMessage a) {
        Object r = a.getMetadata().get(REASONING);
        return r instanceof String s && !s.isBlank() ? s : null;
    }

    private static List<ToolCall> toolCalls(AssistantMessage a) {
        List<ToolCall> calls = new ArrayList<>();
        int i = 0;
        for (AssistantMessage.ToolCall c : a.getToolCalls()) {
            String args = c.arguments() == null || c.arguments().isBlank() ? "{}" : c.arguments();
            calls.add(new ToolCall(c.id() == null || c.id().isEmpty() ? "call_" + i : c.id(), c.name(), args));
            i++;
        }
        return calls;
    }
}
