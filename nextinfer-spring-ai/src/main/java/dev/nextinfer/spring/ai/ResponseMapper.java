package dev.nextinfer.spring.ai;

import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.core.Usage;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.Generation;

/**
 * The engine's answers → Spring AI {@code ChatResponse}s: the whole answer for {@code call}, and for
 * {@code stream} one response per text piece, one per complete tool call, and a last one with the finish reason
 * and usage (Spring AI's {@code MessageAggregator} joins them into the same answer {@code call} gives).
 */
final class ResponseMapper {
    /** Finish reason when the model asked for tools. */
    static final String TOOL_CALLS = "TOOL_CALLS";

    private ResponseMapper() {
    }

    /** The whole answer. */
    static org.springframework.ai.chat.model.ChatResponse whole(ChatResponse r, String model) {
        AssistantMessage message = AssistantMessage.builder()
                .content(r.content())
                .properties(r.reasoning().isEmpty() ? Map.of() : Map.of(PromptMapper.REASONING, r.reasoning()))
                .toolCalls(r.toolCalls().stream().map(ResponseMapper::toolCall).toList())
                .build();
        return new org.springframework.ai.chat.model.ChatResponse(
                List.of(new Generation(message, ChatGenerationMetadata.builder().finishReason(finishReason(r)).build())),
                metadata(r.usage(), model));
    }

    /** A streamed piece of the answer. */
    static org.springframework.ai.chat.model.ChatResponse text(String text, String model) {
        return chunk(AssistantMessage.builder().content(text).build(), model);
    }

    /** A streamed piece of reasoning: empty content, the piece in the {@code reasoningContent} property. */
    static org.springframework.ai.chat.model.ChatResponse reasoning(String text, String model) {
        return chunk(AssistantMessage.builder().content("").properties(Map.of(PromptMapper.REASONING, text)).build(), model);
    }

    /** A streamed complete tool call. */
    static org.springframework.ai.chat.model.ChatResponse toolCall(ToolCall call, String model) {
        return chunk(AssistantMessage.builder().content("").toolCalls(List.of(toolCall(call))).build(), model);
    }

    /** The last streamed response: no text, the finish reason and the usage. */
    static org.springframework.ai.chat.model.ChatResponse last(ChatResponse r, String model) {
        return new org.springframework.ai.chat.model.ChatResponse(
                List.of(new Generation(AssistantMessage.builder().content("").build(),
                        ChatGenerationMetadata.builder().finishReason(finishReason(r)).build())),
                metadata(r.usage(), model));
    }

    private static org.springframework.ai.chat.model.ChatResponse chunk(AssistantMessage message, String model) {
        return new org.springframework.ai.chat.model.ChatResponse(List.of(new Generation(message)),
                ChatResponseMetadata.builder().model(model).build());
    }

    static AssistantMessage.ToolCall toolCall(ToolCall c) {
        return new AssistantMessage.ToolCall(c.id(), "function", c.name(), c.arguments());
    }

    /** {@code STOP}, {@code LENGTH}, {@code TOOL_CALLS} (stopped after tool calls) or {@code CANCELLED}. */
    static String finishReason(ChatResponse r) {
        return r.finishReason() == FinishReason.STOP && r.hasToolCalls() ? TOOL_CALLS : r.finishReason().name();
    }

    /** Token counts (cached prompt tokens as cache reads; the engine's {@link Usage} as the native usage). */
    static ChatResponseMetadata metadata(Usage u, String model) {
        return ChatResponseMetadata.builder()
                .model(model)
                .usage(new DefaultUsage(u.promptTokens(), u.completionTokens(), u.totalTokens(), u,
                        (long) u.cachedPromptTokens(), null))
                .build();
    }
}
