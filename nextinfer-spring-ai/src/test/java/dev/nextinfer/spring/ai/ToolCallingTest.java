package dev.nextinfer.spring.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.ChatMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.function.FunctionToolCallback;

/**
 * Tool calls: the model's {@code <tool_call>} blocks (scripted output, parsed by the engine's own parser) become
 * Spring AI tool calls; a {@code ChatClient} executes them through the tool-calling manager and the result goes
 * back to the model as a tool message.
 */
class ToolCallingTest {
    private static final String CALL = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>";

    /** A tool's input. */
    record City(String city) {
    }

    /** Calls the tool until a tool result is the last message, then answers with it. */
    private static ScriptedRunner toolThenAnswer() {
        return new ScriptedRunner(turn -> {
            ChatMessage last = turn.messages().getLast();
            return last.role().equals("tool") ? "It is " + last.content() + " in Paris." : CALL;
        });
    }

    @Test
    void callReturnsToolCalls() {
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner("Let me look.\n" + CALL)).build();
        ChatResponse r = model.call(new Prompt("Weather in Paris?"));
        AssistantMessage out = r.getResult().getOutput();
        assertEquals("Let me look.", out.getText());
        AssistantMessage.ToolCall call = out.getToolCalls().getFirst();
        assertEquals("get_weather", call.name());
        assertEquals("{\"city\":\"Paris\"}", call.arguments());
        assertEquals("function", call.type());
        assertTrue(call.id().startsWith("call_"));
        assertEquals("TOOL_CALLS", r.getResult().getMetadata().getFinishReason());
        assertTrue(r.hasToolCalls());
    }

    @Test
    void streamDeliversEachCompleteToolCall() {
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner("Let me look.\n" + CALL + "\n" + CALL)).build();
        List<ChatResponse> chunks = model.stream(new Prompt("Weather in Paris?")).collectList().block(Duration.ofSeconds(30));
        List<AssistantMessage.ToolCall> calls = chunks.stream().flatMap(c -> c.getResult().getOutput().getToolCalls().stream()).toList();
        assertEquals(2, calls.size());
        assertEquals("Let me look.", chunks.stream().map(c -> c.getResult().getOutput().getText()).collect(Collectors.joining()));
        assertEquals("TOOL_CALLS", chunks.getLast().getResult().getMetadata().getFinishReason());
    }

    @Test
    void chatClientRunsTheToolThroughTheToolCallingManager() {
        List<String> asked = new CopyOnWriteArrayList<>();
        var weather = FunctionToolCallback.builder("get_weather", (City c) -> {
            asked.add(c.city());
            return "18°C";
        }).description("Weather of a city").inputType(City.class).build();
        ScriptedRunner runner = toolThenAnswer();
        ChatClient client = ChatClient.create(NextinferChatModel.builder().runner(runner).build());

        String answer = client.prompt().user("Weather in Paris?").toolCallbacks(weather).call().content();
        assertEquals("It is \"18°C\" in Paris.", answer);
        assertEquals(List.of("Paris"), asked);
        assertEquals(2, runner.turns.size());
        Turn second = runner.turns.get(1);
        assertEquals(List.of("user", "assistant", "tool"), second.messages().stream().map(ChatMessage::role).toList());
        assertEquals("get_weather", second.messages().get(1).toolCalls().getFirst().name());
        assertEquals(second.messages().get(1).toolCalls().getFirst().id(), second.messages().get(2).toolCallId());
        assertEquals("get_weather", ((java.util.Map<?, ?>) second.options().tools().getFirst().get("function")).get("name"));

        String streamed = client.prompt().user("Weather in Paris?").toolCallbacks(weather).stream().content()
                .collect(Collectors.joining()).block(Duration.ofSeconds(30));
        assertEquals("It is \"18°C\" in Paris.", streamed, "streaming: the tool runs too, only the answer is streamed");
        assertEquals(List.of("Paris", "Paris"), asked);
    }

    @Test
    void reasoningIsInTheReasoningContentProperty() {
        String out = "<think>\nThe user greets me.\n</think>\n\nHello!";
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner(out)).build();
        AssistantMessage m = model.call(new Prompt("Hi")).getResult().getOutput();
        assertEquals("Hello!", m.getText());
        assertEquals("The user greets me.", m.getMetadata().get("reasoningContent"));
        List<ChatResponse> chunks = model.stream(new Prompt("Hi")).collectList().block(Duration.ofSeconds(30));
        assertEquals("The user greets me.", chunks.stream().map(c -> (String) c.getResult().getOutput().getMetadata().get("reasoningContent"))
                .filter(java.util.Objects::nonNull).collect(Collectors.joining()));
        assertEquals("Hello!", chunks.stream().map(c -> c.getResult().getOutput().getText()).collect(Collectors.joining()));
    }
}
