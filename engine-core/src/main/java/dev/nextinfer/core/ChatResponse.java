package dev.nextinfer.core;

import java.util.List;

/**
 * One assistant turn.
 *
 * @param content      the answer, without reasoning and tool-call blocks (newlines trimmed at both ends)
 * @param reasoning    the thinking (text inside {@code <think>…</think>}), or "" if none
 * @param toolCalls    parsed {@code <tool_call>} blocks, in order (a block that is not valid JSON stays in
 *                     {@code content} as text)
 * @param finishReason why generation ended
 * @param usage        token counts and timings
 * @param tokenIds     the generated token ids, including a final end-of-sequence token
 */
public record ChatResponse(String content, String reasoning, List<ToolCall> toolCalls, FinishReason finishReason,
                           Usage usage, int[] tokenIds) {

    /** Normalises nulls. */
    public ChatResponse {
        content = content == null ? "" : content;
        reasoning = reasoning == null ? "" : reasoning;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** Whether the model asked for tool calls. */
    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }

    /** The assistant message to append to the conversation. */
    public ChatMessage toMessage() {
        return ChatMessage.assistant(content, reasoning.isEmpty() ? null : reasoning, toolCalls);
    }
}
