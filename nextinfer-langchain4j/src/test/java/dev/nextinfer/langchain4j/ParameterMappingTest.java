package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.nextinfer.core.GenerationConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Request parameters, builder defaults and tool specifications reach the engine's GenerationConfig and ChatOptions. */
class ParameterMappingTest {
    private static final ToolSpecification WEATHER = ToolSpecification.builder().name("get_weather")
            .description("Current weather of a city")
            .parameters(JsonObjectSchema.builder().addStringProperty("city").required("city").build())
            .build();

    private static ChatRequest request(ChatRequestParameters parameters) {
        return ChatRequest.builder().messages(UserMessage.from("Hi")).parameters(parameters).build();
    }

    @Test
    void everyParameterReachesTheGenerationConfig() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner).build();
        model.chat(request(NextinferChatRequestParameters.builder()
                .temperature(0.3).topP(0.9).topK(5).maxOutputTokens(7).stopSequences(List.of("###"))
                .frequencyPenalty(0.1).presencePenalty(0.2).seed(42L).minP(0.05).repetitionPenalty(1.1)
                .mtpDraftTokens(2).enableThinking(false).build()));
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
        assertEquals(Boolean.FALSE, turn.options().enableThinking());
        assertEquals(Map.of("enable_thinking", false), turn.options().templateVariables());
    }

    @Test
    void builderDefaultsSitUnderRequestParameters() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner)
                .defaultRequestParameters(ChatRequestParameters.builder().topK(40).temperature(0.1).build())
                .temperature(0.5).seed(7L).maxTokens(100).stop(List.of("END")).build();
        assertEquals(0.5, model.defaultRequestParameters().temperature(), "single setters beat defaultRequestParameters");
        assertEquals(40, model.defaultRequestParameters().topK());
        model.chat(request(ChatRequestParameters.builder().topK(3).build()));
        GenerationConfig c = runner.last().config();
        assertEquals(0.5, c.temperature());
        assertEquals(3, c.topK(), "the request beats the defaults");
        assertEquals(7L, c.seed(), "nextinfer's own defaults survive a plain ChatRequestParameters");
        assertEquals(100, c.maxTokens());
        assertEquals(List.of("END"), c.stopStrings());
    }

    @Test
    void withoutMaxTokensTheAnswerMayFillTheContext() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel.builder().runner(runner).build().chat("Hi");
        Turn turn = runner.last();
        assertTrue(turn.fillContext());
        assertEquals(4096 - 100, turn.configFor(100, 4096).maxTokens());
        assertEquals(1, turn.configFor(5000, 4096).maxTokens(), "the engine's limit check then names the overflow");
    }

    @Test
    void toolSpecificationsBecomeTheTemplatesTools() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner).build();
        model.chat(request(ChatRequestParameters.builder().toolSpecifications(WEATHER).build()));
        Map<String, Object> tool = runner.last().options().tools().getFirst();
        assertEquals("function", tool.get("type"));
        @SuppressWarnings("unchecked")
        Map<String, Object> fn = (Map<String, Object>) tool.get("function");
        assertEquals("get_weather", fn.get("name"));
        assertEquals("Current weather of a city", fn.get("description"));
        assertEquals(Map.of("type", "object", "properties", Map.of("city", Map.of("type", "string")),
                "required", List.of("city")), fn.get("parameters"));

        model.chat(request(ChatRequestParameters.builder().toolSpecifications(WEATHER).toolChoice(ToolChoice.NONE).build()));
        assertTrue(runner.last().options().tools().isEmpty(), "toolChoice NONE offers no tools");
    }

    @Test
    void whatCannotBeHonouredIsRefused() {
        NextinferChatModel model = NextinferChatModel.builder().runner(new ScriptedRunner("ok")).build();
        assertThrows(UnsupportedFeatureException.class, () -> model.chat(request(ChatRequestParameters.builder()
                .toolSpecifications(WEATHER).toolChoice(ToolChoice.REQUIRED).build())));
        assertThrows(UnsupportedFeatureException.class, () -> model.chat(request(ChatRequestParameters.builder()
                .responseFormat(ResponseFormat.JSON).build())));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> model.chat(request(ChatRequestParameters.builder().topP(0.0).build())));
        assertTrue(e.getMessage().contains("topP must be in (0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NextinferChatModel.builder().build(), "no model");
        assertThrows(InvalidRequestException.class,
                () -> NextinferChatModel.builder().runner(new ScriptedRunner("")).temperature(-1.0).build(), "bad defaults");
    }

    @Test
    void responseFormatTextIsFine() {
        ScriptedRunner runner = new ScriptedRunner("ok");
        NextinferChatModel model = NextinferChatModel.builder().runner(runner).build();
        assertEquals("ok", model.chat(request(ChatRequestParameters.builder().responseFormat(ResponseFormat.TEXT).build()))
                .aiMessage().text());
        assertNull(runner.last().options().enableThinking());
        assertEquals(Set.of(), runner.last().config().stopTokenIds());
        assertEquals("nextinfer", model.chat(request(ChatRequestParameters.builder().modelName("gpt-4").build())).modelName(),
                "one checkpoint per chat model: responses name the checkpoint");
    }
}
