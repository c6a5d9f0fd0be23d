package dev.nextinfer.spring.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Usage;
import dev.nextinfer.core.testing.TextModels;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;

/**
 * The Spring AI chat model on a real (tiny, random-weight) checkpoint with the real Qwen3 tokenizer and chat
 * template: the answers are noise, the mechanics are real.
 */
class TinyModelTest {
    private static Qwen3Next qwen;

    @BeforeAll
    static void load() {
        qwen = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build());
    }

    @AfterAll
    static void close() {
        qwen.close();
    }

    private static NextinferChatOptions tokens(int n) {
        return NextinferChatOptions.builder().maxTokens(n).seed(1L).build();
    }

    @Test
    void callRoundTrip() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).build();
        ChatResponse r = model.call(new Prompt(List.of(new SystemMessage("Be brief."), new UserMessage("Hello!")), tokens(6)));
        assertNotNull(r.getResult().getOutput().getText());
        String finish = r.getResult().getMetadata().getFinishReason();
        assertTrue(finish.equals("LENGTH") || finish.equals("STOP"), finish);
        var usage = r.getMetadata().getUsage();
        assertTrue(usage.getPromptTokens() > 5);
        assertTrue(usage.getCompletionTokens() >= 1 && usage.getCompletionTokens() <= 6);
        assertEquals(usage.getPromptTokens() + usage.getCompletionTokens(), usage.getTotalTokens());
        assertInstanceOf(Usage.class, usage.getNativeUsage());
        assertEquals(qwen.dir().getFileName().toString(), r.getMetadata().getModel());
    }

    @Test
    void theCheckpointsSamplingIsTheDefault() {
        NextinferChatOptions o = NextinferChatModel.builder().model(qwen).build().getOptions();
        assertEquals(0.7, o.getTemperature()); // generation_config.json of the synthetic checkpoint
        assertEquals(20, o.getTopK());
        assertEquals(0.8, o.getTopP());
        assertNull(o.getMaxTokens(), "up to the end of the context");
    }

    @Test
    void aGrowingConversationReusesItsPrefix() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).build();
        UserMessage first = new UserMessage("Tell me about the delta rule.");
        ChatResponse a = model.call(new Prompt(List.of(first), tokens(4)));
        ChatResponse b = model.call(new Prompt(List.of(first, a.getResult().getOutput(), new UserMessage("And Mamba?")), tokens(4)));
        Usage u = (Usage) b.getMetadata().getUsage().getNativeUsage();
        assertTrue(u.cachedPromptTokens() >= a.getMetadata().getUsage().getPromptTokens(), u.toString());
        assertEquals(Long.valueOf(u.cachedPromptTokens()), b.getMetadata().getUsage().getCacheReadInputTokens());
    }

    @Test
    void streamDeliversEveryPieceThenTheFinishReasonAndUsage() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).build();
        List<ChatResponse> chunks = model.stream(new Prompt("Once upon a time", tokens(12))).collectList().block(Duration.ofSeconds(60));
        assertTrue(chunks.size() >= 2);
        String streamed = chunks.stream().map(c -> c.getResult().getOutput().getText()).collect(Collectors.joining());
        ChatResponse last = chunks.getLast();
        assertNotNull(last.getResult().getMetadata().getFinishReason());
        assertTrue(last.getMetadata().getUsage().getCompletionTokens() <= 12);
        assertFalse(streamed.isEmpty());
        // the same prompt and seed without streaming gives the same text
        ChatResponse whole = model.call(new Prompt("Once upon a time", tokens(12)));
        assertEquals(whole.getResult().getOutput().getText(), streamed);
        assertEquals(whole.getMetadata().getUsage().getCompletionTokens(), last.getMetadata().getUsage().getCompletionTokens());
    }

    @Test
    void cancellingTheSubscriptionStopsTheGeneration() throws InterruptedException {
        EngineTurnRunner engine = new EngineTurnRunner(qwen, 1);
        AtomicReference<dev.nextinfer.core.ChatResponse> result = new AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        TurnRunner recording = (turn, listener, cancel) -> {
            try {
                dev.nextinfer.core.ChatResponse r = engine.run(turn, listener, cancel);
                result.set(r);
                return r;
            } finally {
                ended.countDown();
            }
        };
        NextinferChatModel model = NextinferChatModel.builder().runner(recording).build();
        List<ChatResponse> first = model.stream(new Prompt("Count to a thousand.", tokens(400))).take(1).collectList()
                .block(Duration.ofSeconds(60));
        assertEquals(1, first.size());
        assertTrue(ended.await(60, TimeUnit.SECONDS), "the generation ended");
        assertEquals(FinishReason.CANCELLED, result.get().finishReason());
        assertTrue(result.get().usage().completionTokens() < 20, "stopped early: " + result.get().usage());
    }

    @Test
    void aTurnCancelledBeforeItStartsRunsNothing() {
        Cancellation cancel = new Cancellation();
        cancel.cancel();
        Turn turn = OptionsMapper.toTurn(new Prompt("Hi"), tokens(50), qwen.generationDefaults(),
                org.springframework.ai.model.tool.ToolCallingManager.builder().build());
        dev.nextinfer.core.ChatResponse r = new EngineTurnRunner(qwen, 1).run(turn, piece -> { }, cancel);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, r.usage().completionTokens());
    }

    @Test
    void aToolResponseGoesBackThroughTheTemplate() {
        AssistantMessage.ToolCall call = new AssistantMessage.ToolCall("call_1", "function", "get_weather", "{\"city\":\"Paris\"}");
        List<org.springframework.ai.chat.messages.Message> messages = List.of(new UserMessage("Weather in Paris?"),
                AssistantMessage.builder().content("").toolCalls(List.of(call)).build(),
                ToolResponseMessage.builder().responses(List.of(new ToolResponseMessage.ToolResponse("call_1", "get_weather", "18°C, sunny"))).build());
        String prompt = qwen.chatPrompt(PromptMapper.toEngine(messages), dev.nextinfer.core.ChatOptions.defaults()).text();
        assertTrue(prompt.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"), prompt);
        assertTrue(prompt.endsWith("<|im_start|>user\n<tool_response>\n18°C, sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n"), prompt);
        ChatResponse r = NextinferChatModel.builder().model(qwen).build().call(new Prompt(messages, tokens(4)));
        assertTrue(r.getMetadata().getUsage().getCompletionTokens() >= 1);
    }

    @Test
    void interruptingTheCallerStopsACall() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).build();
        Thread.currentThread().interrupt();
        try {
            ChatResponse r = model.call(new Prompt("Count to a thousand.", tokens(200)));
            assertEquals("CANCELLED", r.getResult().getMetadata().getFinishReason());
            assertTrue(r.getMetadata().getUsage().getCompletionTokens() <= 2);
        } finally {
            assertTrue(Thread.interrupted());
        }
    }

    @Test
    void engineErrorsReachTheCallerAndTheSubscriber() {
        try (Qwen3Next small = Qwen3Next.load(qwen.dir(), LoadOptions.builder().threads(1).contextLength(32).build())) {
            NextinferChatModel model = NextinferChatModel.builder().model(small).build();
            Prompt tooLong = new Prompt("word ".repeat(40), tokens(8));
            NextInferException e = assertThrows(NextInferException.class, () -> model.call(tooLong));
            assertTrue(e.getMessage().contains("exceeds the context length of 32 tokens"), e.getMessage());
            assertThrows(NextInferException.class, () -> model.stream(tooLong).blockLast(Duration.ofSeconds(60)));
        }
    }
}
