package dev.nextinfer.spring.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.function.FunctionToolCallback;

/** Options: building, mutate(), merging runtime over default options, Spring AI's combineWith. */
class NextinferChatOptionsTest {
    private static final ToolCallback TOOL = FunctionToolCallback.builder("now", () -> "noon").description("the time").build();

    private static NextinferChatOptions full() {
        return NextinferChatOptions.builder().model("m").temperature(0.3).topP(0.9).topK(5).maxTokens(7)
                .stopSequences(List.of("###")).frequencyPenalty(0.1).presencePenalty(0.2).seed(42L).minP(0.05)
                .repetitionPenalty(1.1).enableThinking(false).mtpDraftTokens(2).toolCallbacks(List.of(TOOL))
                .toolContext(Map.of("user", "u1")).build();
    }

    @Test
    void mutateCopiesEveryValue() {
        NextinferChatOptions o = full();
        assertEquals(o, o.mutate().build());
        assertEquals(42L, o.mutate().build().getSeed());
    }

    @Test
    void runtimeValuesWinOneByOne() {
        NextinferChatOptions defaults = full();
        NextinferChatOptions merged = NextinferChatOptions.merge(defaults,
                NextinferChatOptions.builder().temperature(0.9).seed(7L).build());
        assertEquals(0.9, merged.getTemperature());
        assertEquals(7L, merged.getSeed());
        assertEquals(5, merged.getTopK());
        assertEquals(List.of("###"), merged.getStopSequences());
        assertEquals(List.of(TOOL), merged.getToolCallbacks());
        assertSame(defaults, NextinferChatOptions.merge(defaults, null));

        NextinferChatOptions portable = NextinferChatOptions.merge(defaults, ChatOptions.builder().topK(50).maxTokens(9).build());
        assertEquals(50, portable.getTopK());
        assertEquals(9, portable.getMaxTokens());
        assertEquals(42L, portable.getSeed(), "nextinfer's own defaults survive portable options");

        ToolCallback other = FunctionToolCallback.builder("other", () -> "x").description("d").build();
        NextinferChatOptions tools = NextinferChatOptions.merge(defaults, ToolCallingChatOptions.builder()
                .toolCallbacks(List.of(other)).toolContext(Map.of("k", "v")).build());
        assertEquals(List.of(other), tools.getToolCallbacks());
        assertEquals(Map.of("user", "u1", "k", "v"), tools.getToolContext());
    }

    @Test
    void combineWithIsSpringAisMerge() {
        NextinferChatOptions.Builder b = NextinferChatOptions.builder().temperature(0.5).stopSequences(List.of("a"));
        NextinferChatOptions combined = b.combineWith(NextinferChatOptions.builder().seed(3L).stopSequences(List.of("b"))).build();
        assertEquals(0.5, combined.getTemperature());
        assertEquals(3L, combined.getSeed());
        assertEquals(List.of("a", "b"), combined.getStopSequences());
        assertNull(combined.getToolCallbacks());
    }
}
