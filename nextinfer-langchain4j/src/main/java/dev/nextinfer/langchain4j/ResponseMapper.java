package dev.nextinfer.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.core.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The engine's answer → LangChain4j's {@code ChatResponse}: AI message, finish reason, token usage. */
final class ResponseMapper {
    private ResponseMapper() {
    }

    /**
     * @param returnThinking whether the reasoning goes into {@link AiMessage#thinking()}
     * @param idOf           the id to report for each tool call (the streaming model reuses the ids of its partial
     *                       tool calls)
     */
    static dev.langchain4j.model.chat.response.ChatResponse toLangChain4j(ChatResponse r, String modelName,
            boolean returnThinking, Function<ToolCall, String> idOf) {
        List<ToolExecutionRequest> requests = new ArrayList<>(r.toolCalls().size());
        for (ToolCall call : r.toolCalls()) {
            requests.add(toRequest(call, idOf.apply(call)));
        }
        AiMessage message = AiMessage.builder()
                .text(r.content().isEmpty() && !requests.isEmpty() ? null : r.content())
                .thinking(returnThinking && !r.reasoning().isEmpty() ? r.reasoning() : null)
                .toolExecutionRequests(requests)
                .build();
        return dev.langchain4j.model.chat.response.ChatResponse.builder()
                .aiMessage(message)
                .metadata(NextinferChatResponseMetadata.builder()
                        .modelName(modelName)
                        .tokenUsage(tokenUsage(r.usage()))
                        .finishReason(finishReason(r))
                        .usage(r.usage())
                        .build())
                .build();
    }

    static ToolExecutionRequest toRequest(ToolCall call, String id) {
        return ToolExecutionRequest.builder().id(id).name(call.name()).arguments(call.arguments()).build();
    }

    static TokenUsage tokenUsage(Usage u) {
        return new TokenUsage(u.promptTokens(), u.completionTokens(), u.totalTokens());
    }

    /** {@code STOP} with tool calls is {@code TOOL_EXECUTION}; a cancelled generation is {@code OTHER}. */
    static FinishReason finishReason(ChatResponse r) {
        return switch (r.finishReason()) {
            case STOP -> r.hasToolCalls() ? FinishReason.TOOL_EXECUTION : FinishReason.STOP;
            case LENGTH -> FinishReason.LENGTH;
            case CANCELLED -> FinishReason.OTHER;
        };
    }
}
