package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.listener.ChatModelErrorContext;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Both LangChain4j models on a real (tiny, random-weight) checkpoint with the real Qwen3 tokenizer and chat
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

    private static ChatRequest request(int maxTokens, dev.langchain4j.data.message.ChatMessage... messages) {
        return ChatRequest.builder().messages(messages)
                .parameters(NextinferChatRequestParameters.builder().maxOutputTokens(maxTokens).seed(1L).build()).build();
    }

    @Test
    void chatRoundTrip() {
        List<String> seen = new CopyOnWriteArrayList<>();
        ChatModelListener listener = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext c) {
                seen.add("request " + c.chatRequest().parameters().maxOutputTokens());
            }

            @Override
            public void onResponse(ChatModelResponseContext c) {
                seen.add("response " + c.chatResponse().tokenUsage().outputTokenCount());
            }

            @Override
            public void onError(ChatModelErrorContext c) {
                seen.add("error");
            }
        };
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).listeners(listener).build();
        ChatResponse r = model.chat(request(6, SystemMessage.from("Be brief."), UserMessage.from("Hello!")));
        assertNotNull(r.aiMessage().text());
        assertTrue(r.finishReason() == FinishReason.LENGTH || r.finishReason() == FinishReason.STOP, r.toString());
        assertTrue(r.tokenUsage().inputTokenCount() > 5);
        assertTrue(r.tokenUsage().outputTokenCount() >= 1 && r.tokenUsage().outputTokenCount() <= 6);
        assertEquals(r.tokenUsage().inputTokenCount() + r.tokenUsage().outputTokenCount(), r.tokenUsage().totalTokenCount());
        assertEquals(qwen.dir().getFileName().toString(), r.modelName());
        NextinferChatResponseMetadata meta = assertInstanceOf(NextinferChatResponseMetadata.class, r.metadata());
        assertEquals(r.tokenUsage().outputTokenCount(), meta.usage().completionTokens());
        assertEquals(List.of("request 6", "response " + r.tokenUsage().outputTokenCount()), seen);
    }

    @Test
    void theCheckpointsSamplingIsTheDefault() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).build();
        NextinferChatRequestParameters d = (NextinferChatRequestParameters) model.defaultRequestParameters();
        assertEquals(0.7, d.temperature()); // generation_config.json of the synthetic checkpoint
        assertEquals(20, d.topK());
        assertEquals(0.8, d.topP());
        assertNull(d.maxOutputTokens(), "up to the end of the context");
        assertNull(d.seed());
    }

    @Test
    void aGrowingConversationReusesItsPrefix() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).temperature(0.0).build();
        UserMessage first = UserMessage.from("Tell me about the delta rule.");
        ChatResponse a = model.chat(request(4, first));
        ChatResponse b = model.chat(request(4, first, a.aiMessage(), UserMessage.from("And Mamba?")));
        NextinferChatResponseMetadata meta = (NextinferChatResponseMetadata) b.metadata();
        assertTrue(meta.usage().cachedPromptTokens() >= a.tokenUsage().inputTokenCount(),
                "second turn computes only its new part: " + meta.usage());
    }

    @Test
    void streamingDeliversEveryPieceThenTheResponse() throws InterruptedException {
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().model(qwen).build();
        RecordingHandler h = new RecordingHandler();
        model.chat(request(12, UserMessage.from("Once upon a time")), h);
        ChatResponse r = h.await();
        assertFalse(h.pieces.isEmpty());
        assertEquals(r.aiMessage().text(), h.text(), "the pieces concatenate to the final text");
        assertEquals("complete", h.events.getLast());
        assertTrue(r.tokenUsage().outputTokenCount() <= 12);
        assertTrue(h.pieces.stream().noneMatch(String::isEmpty));
    }

    @Test
    void cancellingFromTheStreamingHandleStopsTheGeneration() throws InterruptedException {
        EngineTurnRunner engine = new EngineTurnRunner(qwen, 1);
        java.util.concurrent.atomic.AtomicReference<dev.nextinfer.core.ChatResponse> result = new java.util.concurrent.atomic.AtomicReference<>();
        CountDownLatch ended = new CountDownLatch(1);
        TurnRunner recording = new TurnRunner() {
            @Override
            public dev.nextinfer.tokenizer.Tokenizer tokenizer() {
                return engine.tokenizer();
            }

            @Override
            public dev.nextinfer.core.ChatResponse run(Turn turn, TurnListener listener, Cancellation cancel) {
                try {
                    dev.nextinfer.core.ChatResponse r = engine.run(turn, listener, cancel);
                    result.set(r);
                    return r;
                } finally {
                    ended.countDown();
                }
            }
        };
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().runner(recording).build();
        RecordingHandler h = new RecordingHandler();
        h.onPiece = context -> context.streamingHandle().cancel();
        model.chat(request(400, UserMessage.from("Count to a thousand.")), h);
        assertTrue(ended.await(60, TimeUnit.SECONDS), "the generation ended");
        assertEquals(dev.nextinfer.core.FinishReason.CANCELLED, result.get().finishReason());
        assertTrue(result.get().usage().completionTokens() < 20, "stopped early: " + result.get().usage());
        assertEquals(1, h.pieces.size(), "nothing is delivered after cancel: " + h.events);
        assertNull(h.complete, "a cancelled stream has no complete response");
        assertTrue(h.errors.isEmpty());
    }

    @Test
    void aTurnCancelledBeforeItStartsRunsNothing() {
        Cancellation cancel = new Cancellation();
        cancel.cancel();
        Turn turn = RequestMapper.toTurn(request(50, UserMessage.from("Hi")), qwen.generationDefaults());
        dev.nextinfer.core.ChatResponse r = new EngineTurnRunner(qwen, 1).run(turn, piece -> { }, cancel);
        assertEquals(dev.nextinfer.core.FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, r.usage().completionTokens());
        assertTrue(r.usage().promptTokens() > 0);
    }

    @Test
    void aToolResultGoesBackThroughTheTemplate() {
        ToolSpecification weather = ToolSpecification.builder().name("get_weather").description("Weather of a city")
                .parameters(JsonObjectSchema.builder().addStringProperty("city").build()).build();
        ToolExecutionRequest call = ToolExecutionRequest.builder().id("call_1").name("get_weather")
                .arguments("{\"city\":\"Paris\"}").build();
        ChatRequest req = ChatRequest.builder().messages(UserMessage.from("Weather in Paris?"), AiMessage.from(call),
                        ToolExecutionResultMessage.from(call, "18°C, sunny"))
                .parameters(NextinferChatRequestParameters.builder().toolSpecifications(weather).maxOutputTokens(5).build())
                .build();
        Turn turn = RequestMapper.toTurn(req, qwen.generationDefaults());
        String prompt = qwen.chatPrompt(turn.messages(), turn.options()).text();
        assertTrue(prompt.contains("\"name\": \"get_weather\""), prompt);
        assertTrue(prompt.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"), prompt);
        assertTrue(prompt.endsWith("<|im_start|>user\n<tool_response>\n18°C, sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n"), prompt);
        ChatResponse r = NextinferChatModel.builder().model(qwen).build().chat(req);
        assertTrue(r.tokenUsage().outputTokenCount() >= 1);
    }

    @Test
    void interruptingTheCallerStopsABlockingChat() {
        NextinferChatModel model = NextinferChatModel.builder().model(qwen).build();
        Thread.currentThread().interrupt();
        try {
            ChatResponse r = model.chat(request(200, UserMessage.from("Count to a thousand.")));
            assertEquals(FinishReason.OTHER, r.finishReason());
            assertTrue(r.tokenUsage().outputTokenCount() <= 2, r.tokenUsage().toString());
        } finally {
            assertTrue(Thread.interrupted(), "the interrupt stays set for the caller");
        }
    }

    @Test
    void anOverlongConversationIsAnInvalidRequest() throws InterruptedException {
        try (NextinferChatModel model = NextinferChatModel.builder().modelPath(qwen.dir()).threads(1).contextLength(32).build()) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> model.chat(request(8, UserMessage.from("word ".repeat(40)))));
            assertTrue(e.getMessage().contains("exceeds the context length of 32 tokens"), e.getMessage());
            RecordingHandler h = new RecordingHandler();
            try (NextinferStreamingChatModel streaming = NextinferStreamingChatModel.builder().modelPath(qwen.dir())
                    .threads(1).contextLength(32).build()) {
                streaming.chat(request(8, UserMessage.from("word ".repeat(40))), h);
                assertTrue(h.done.await(60, TimeUnit.SECONDS));
                assertInstanceOf(InvalidRequestException.class, h.errors.getFirst(), "reported to onError");
                assertNull(h.complete);
            }
        }
    }
}
