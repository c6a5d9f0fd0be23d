package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.output.FinishReason;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Tool calls written by the model become {@code ToolExecutionRequest}s, streamed as partial then complete tool
 * calls. The model output is scripted (a random checkpoint never writes {@code <tool_call>}) and parsed by the
 * engine's own output parser.
 */
class ToolCallMappingTest {
    private static final String ONE_CALL = "Let me check.\n<tool_call>\n"
            + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>";
    private static final String TWO_CALLS = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n"
            + "</tool_call>\n<tool_call>\n{\"name\": \"get_time\", \"arguments\": {\"zone\": \"CET\"}}\n</tool_call>";

    @Test
    void chatModelReturnsToolExecutionRequests() {
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner(ONE_CALL)).build();
        ChatResponse r = model.chat(List.of(dev.langchain4j.data.message.UserMessage.from("Weather in Paris?")));
        AiMessage ai = r.aiMessage();
        assertEquals("Let me check.", ai.text());
        ToolExecutionRequest req = ai.toolExecutionRequests().getFirst();
        assertEquals("get_weather", req.name());
        assertEquals("{\"city\":\"Paris\",\"days\":2}", req.arguments());
        assertTrue(req.id().startsWith("call_"), req.id());
        assertEquals(FinishReason.TOOL_EXECUTION, r.finishReason());
    }

    /** An AI service's tool. */
    static class Weather {
        final List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

        @dev.langchain4j.agent.tool.Tool("Current weather of a city")
        String getWeather(String city) {
            asked.add(city);
            return "18°C";
        }
    }

    /** The AI service. */
    interface Assistant {
        String chat(String message);
    }

    @Test
    void anAiServiceRunsTheToolAndFeedsTheResultBack() {
        ScriptedRunner runner = new ScriptedRunner(turn -> {
            dev.nextinfer.core.ChatMessage last = turn.messages().getLast();
            return last.role().equals("tool") ? "It is " + last.content() + " in Paris."
                    : "<tool_call>\n{\"name\": \"getWeather\", \"arguments\": {\"arg0\": \"Paris\"}}\n</tool_call>";
        }, false);
        Weather weather = new Weather();
        Assistant assistant = dev.langchain4j.service.AiServices.builder(Assistant.class)
                .chatModel(NextinferChatModel.builder().runner(runner).build()).tools(weather).build();
        assertEquals("It is 18°C in Paris.", assistant.chat("Weather in Paris?"));
        assertEquals(List.of("Paris"), weather.asked);
        assertEquals(2, runner.turns.size());
        Turn second = runner.turns.get(1);
        assertEquals(List.of("user", "assistant", "tool"), second.messages().stream().map(dev.nextinfer.core.ChatMessage::role).toList());
        assertEquals(second.messages().get(1).toolCalls().getFirst().id(), second.messages().get(2).toolCallId());
        assertEquals("getWeather", ((java.util.Map<?, ?>) second.options().tools().getFirst().get("function")).get("name"));

        // the same over the streaming model: the tool runs, then the answer streams
        weather.asked.clear();
        StreamingAssistant streaming = dev.langchain4j.service.AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(NextinferStreamingChatModel.builder().runner(runner).build()).tools(weather).build();
        java.util.concurrent.CompletableFuture<ChatResponse> done = new java.util.concurrent.CompletableFuture<>();
        StringBuilder pieces = new StringBuilder();
        streaming.chat("Weather in Paris?").onPartialResponse(pieces::append).onCompleteResponse(done::complete)
                .onError(done::completeExceptionally).start();
        ChatResponse r = done.join();
        assertEquals("It is 18°C in Paris.", r.aiMessage().text());
        assertEquals("It is 18°C in Paris.", pieces.toString());
        assertEquals(List.of("Paris"), weather.asked);
    }

    /** The streaming AI service. */
    interface StreamingAssistant {
        dev.langchain4j.service.TokenStream chat(String message);
    }

    @Test
    void onlyToolCallsMeansNoText() {
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner(TWO_CALLS)).build();
        AiMessage ai = model.chat(List.of(dev.langchain4j.data.message.UserMessage.from("?"))).aiMessage();
        assertNull(ai.text());
        assertEquals(List.of("get_weather", "get_time"), ai.toolExecutionRequests().stream().map(ToolExecutionRequest::name).toList());
    }

    @Test
    void streamingDeliversPartialThenCompleteToolCalls() throws InterruptedException {
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().runner(new ScriptedRunner(ONE_CALL)).build();
        RecordingHandler h = new RecordingHandler();
        model.chat("Weather in Paris?", h);
        ChatResponse r = h.await();
        assertEquals("Let me check.", h.text());
        assertTrue(h.partialToolCalls.size() > 1, "arguments stream in pieces: " + h.partialToolCalls);
        String streamed = h.partialToolCalls.stream().map(PartialToolCall::partialArguments).collect(Collectors.joining());
        assertEquals("{\"city\": \"Paris\", \"days\": 2}", streamed, "the model's own text, valid JSON once joined");
        PartialToolCall first = h.partialToolCalls.getFirst();
        assertEquals(0, first.index());
        assertEquals("get_weather", first.name());
        CompleteToolCall complete = h.completeToolCalls.getFirst();
        assertEquals(0, complete.index());
        assertEquals(first.id(), complete.toolExecutionRequest().id());
        assertEquals("{\"city\":\"Paris\",\"days\":2}", complete.toolExecutionRequest().arguments());
        assertEquals(List.of(complete.toolExecutionRequest()), r.aiMessage().toolExecutionRequests(), "same ids in the response");
        assertEquals(FinishReason.TOOL_EXECUTION, r.finishReason());
        int lastPartial = h.events.lastIndexOf("partialToolCall");
        assertTrue(lastPartial < h.events.indexOf("completeToolCall") && h.events.indexOf("completeToolCall") < h.events.indexOf("complete"),
                h.events.toString());
    }

    @Test
    void severalCallsAreIndexed() throws InterruptedException {
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().runner(new ScriptedRunner(TWO_CALLS)).build();
        RecordingHandler h = new RecordingHandler();
        model.chat("?", h);
        ChatResponse r = h.await();
        assertEquals(List.of(0, 1), h.completeToolCalls.stream().map(CompleteToolCall::index).toList());
        assertEquals(List.of("get_weather", "get_time"),
                h.completeToolCalls.stream().map(c -> c.toolExecutionRequest().name()).toList());
        assertTrue(h.partialToolCalls.stream().allMatch(p -> p.index() == (p.name().equals("get_weather") ? 0 : 1)));
        assertEquals(2, r.aiMessage().toolExecutionRequests().size());
        assertEquals("", h.text(), "no content around the calls");
    }

    @Test
    void aBlockTheEngineRejectsStaysText() throws InterruptedException {
        String bad = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": Paris}}\n</tool_call>";
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().runner(new ScriptedRunner(bad)).build();
        RecordingHandler h = new RecordingHandler();
        model.chat("?", h);
        ChatResponse r = h.await();
        assertTrue(h.completeToolCalls.isEmpty());
        assertEquals(bad, r.aiMessage().text());
        assertEquals(bad, h.text());
        assertEquals(FinishReason.STOP, r.finishReason());
    }

    @Test
    void thinkingIsReturnedWhenAskedFor() throws InterruptedException {
        String out = "<think>\nThe user greets me.\n</think>\n\nHello!";
        NextinferStreamingChatModel quiet = NextinferStreamingChatModel.builder().runner(new ScriptedRunner(out)).build();
        RecordingHandler h = new RecordingHandler();
        quiet.chat("Hi", h);
        ChatResponse r = h.await();
        assertEquals("Hello!", r.aiMessage().text());
        assertNull(r.aiMessage().thinking());
        assertTrue(h.thinking.isEmpty());

        NextinferStreamingChatModel thinking = NextinferStreamingChatModel.builder().runner(new ScriptedRunner(out))
                .returnThinking(true).build();
        RecordingHandler t = new RecordingHandler();
        thinking.chat("Hi", t);
        ChatResponse rt = t.await();
        assertEquals("The user greets me.", rt.aiMessage().thinking());
        assertEquals("The user greets me.", String.join("", t.thinking));
        assertEquals("Hello!", t.text());
        assertEquals("The user greets me.", NextinferChatModel.builder().runner(new ScriptedRunner(out)).returnThinking(true)
                .build().chat(List.of(dev.langchain4j.data.message.UserMessage.from("Hi"))).aiMessage().thinking());
    }

    @Test
    void aThinkingTemplatesOutputStartsAsReasoning() throws InterruptedException {
        String out = "Weighing it.\n</think>\n\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>";
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().runner(new ScriptedRunner(out, true))
                .returnThinking(true).build();
        RecordingHandler h = new RecordingHandler();
        model.chat("?", h);
        ChatResponse r = h.await();
        assertEquals("Weighing it.", r.aiMessage().thinking());
        assertEquals("{\"a\": 1}", h.partialToolCalls.stream().map(PartialToolCall::partialArguments).collect(Collectors.joining()));
        assertEquals(1, h.completeToolCalls.size());
    }
}
