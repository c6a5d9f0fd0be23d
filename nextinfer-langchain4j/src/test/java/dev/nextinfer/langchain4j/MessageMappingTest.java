package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.ToolCall;
import java.util.List;
import org.junit.jupiter.api.Test;

/** LangChain4j messages become the engine's chat messages. */
class MessageMappingTest {

    @Test
    void systemUserAiAndToolResults() {
        ToolExecutionRequest req = ToolExecutionRequest.builder().id("call_1").name("get_weather")
                .arguments("{\"city\":\"Paris\"}").build();
        List<ChatMessage> out = MessageMapper.toEngine(List.of(
                SystemMessage.from("Be brief."),
                UserMessage.from("Weather in Paris?"),
                AiMessage.builder().text("").thinking("I should call the tool.").toolExecutionRequests(List.of(req)).build(),
                ToolExecutionResultMessage.from(req, "18°C, sunny"),
                UserMessage.from(TextContent.from("two"), TextContent.from("parts"))));
        assertEquals(ChatMessage.system("Be brief."), out.get(0));
        assertEquals(ChatMessage.user("Weather in Paris?"), out.get(1));
        assertEquals(ChatMessage.assistant("", "I should call the tool.",
                List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))), out.get(2));
        assertEquals(ChatMessage.tool("call_1", "18°C, sunny"), out.get(3));
        assertEquals(ChatMessage.user("two\nparts"), out.get(4));
    }

    @Test
    void missingIdsAndArgumentsAreFilledIn() {
        ChatMessage m = MessageMapper.toEngine(AiMessage.from(ToolExecutionRequest.builder().name("now").build()));
        assertEquals(new ToolCall("call_0", "now", "{}"), m.toolCalls().getFirst());
        assertNull(m.reasoning());
    }

    @Test
    void nonTextContentIsRefused() {
        UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class, () -> MessageMapper.toEngine(
                UserMessage.from(TextContent.from("what is this?"), ImageContent.from("https://example.invalid/a.png"))));
        assertEquals("nextinfer models read text only: IMAGE content in a user message is not supported", e.getMessage());
    }
}
