package dev.nextinfer.spring.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.ToolCall;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.content.Media;
import org.springframework.ai.tool.function.FunctionToolCallback;
import org.springframework.util.MimeTypeUtils;

/** Prompts, options and tool callbacks reach the engine as messages, GenerationConfig and template tools. */
class MappingTest {
    /** A tool's input. */
    record City(String city) {
    }

    @Test
    void everyOptionReachesTheGenerationConfig() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner).build();
        model.call(new Prompt("Hi", NextinferChatOptions.builder().temperature(0.3).topP(0.9).topK(5).maxTokens(7)
                .stopSequences(List.of("###")).frequencyPenalty(0.1).presencePenalty(0.2).seed(42L).minP(0.05)
                .repetitionPenalty(1.1).mtpDraftTokens(2).enableThinking(false).build()));
        Turn turn = runner.last();
        GenerationConfig c = turn.config();
        assertEquals(0.3, c.temperature());
        assertEquals(0.9, c.topP());
        assertEquals(5, c.topK());
        assertEquals(7, c.maxTokens());
        assertEquals(List.of("###"), c.stopStrings());
        assertEquals(0.1, c.frequencyPenalty());
        assertEquals(0.2, c.presencePenalty());
        assertEquals(42L, c.seed());
        assertEquals(0.05, c.minP());
        assertEquals(1.1, c.repetitionPenalty());
        assertEquals(2, c.mtpDraftTokens());
        assertFalse(turn.fillContext());
        assertEquals(Map.of("enable_thinking", false), turn.options().templateVariables());
    }

    @Test
    void defaultOptionsSitUnderThePromptsOptions() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner)
                .defaultOptions(NextinferChatOptions.builder().temperature(0.5).seed(9L).maxTokens(100).build()).build();
        assertEquals(0.5, model.getOptions().getTemperature());
        model.call(new Prompt("Hi", ChatOptions.builder().topK(3).build()));
        GenerationConfig c = runner.last().config();
        assertEquals(0.5, c.temperature());
        assertEquals(3, c.topK());
        assertEquals(9L, c.seed());
        assertEquals(100, c.maxTokens());
        model.call(new Prompt("Hi"));
        assertEquals(0.5, runner.last().config().temperature(), "no options: the defaults");
        assertTrue(NextinferChatModel.builder().runner(runner).build().getOptions().getMaxTokens() == null);
        assertEquals("nextinfer", model.call(new Prompt("Hi", ChatOptions.builder().model("gpt-4").build())).getMetadata().getModel(),
                "one checkpoint per chat model: a requested model name is not switched to, responses name the checkpoint");
    }

    @Test
    void toolCallbacksBecomeTheTemplatesTools() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner).build();
        var weather = FunctionToolCallback.builder("get_weather", (City c) -> "sunny").description("Weather of a city")
                .inputType(City.class).build();
        model.call(new Prompt("Hi", NextinferChatOptions.builder().toolCallbacks(List.of(weather)).build()));
        Map<String, Object> tool = runner.last().options().tools().getFirst();
        assertEquals("function", tool.get("type"));
        @SuppressWarnings("unchecked")
        Map<String, Object> fn = (Map<String, Object>) tool.get("function");
        assertEquals("get_weather", fn.get("name"));
        assertEquals("Weather of a city", fn.get("description"));
        @SuppressWarnings("unchecked")
        Map<String, Object> params = (Map<String, Object>) fn.get("parameters");
        assertEquals("object", params.get("type"));
        assertTrue(((Map<?, ?>) params.get("properties")).containsKey("city"), params.toString());
    }

    @Test
    void messagesMap() {
        AssistantMessage.ToolCall call = new AssistantMessage.ToolCall("call_1", "function", "get_weather", "{\"city\":\"Paris\"}");
        List<ChatMessage> out = PromptMapper.toEngine(List.of(
                new SystemMessage("Be brief."),
                new UserMessage("Weather in Paris?"),
                AssistantMessage.builder().content("").properties(Map.of("reasoningContent", "Use the tool."))
                        .toolCalls(List.of(call)).build(),
                ToolResponseMessage.builder().responses(List.of(
                        new ToolResponseMessage.ToolResponse("call_1", "get_weather", "18°C"),
                        new ToolResponseMessage.ToolResponse("call_2", "get_weather", "20°C"))).build()));
        assertEquals(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant("", "Use the tool.", List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool("call_1", "18°C"), ChatMessage.tool("call_2", "20°C")), out);
    }

    @Test
    void whatCannotBeHonouredIsRefused() {
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner("ok")).build();
        UserMessage image = UserMessage.builder().text("What is this?")
                .media(List.of(new Media(MimeTypeUtils.IMAGE_PNG, java.net.URI.create("https://example.invalid/a.png")))).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.call(new Prompt(image)));
        assertTrue(e.getMessage().startsWith("nextinfer models read text only"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.call(new Prompt("Hi", ChatOptions.builder().topP(0.0).build())));
        assertThrows(IllegalArgumentException.class, () -> NextinferChatModel.builder().build(), "no model");
    }
}
