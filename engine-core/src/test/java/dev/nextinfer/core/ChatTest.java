package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.TextModels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chats through the real chat templates: thinking detection, tool messages, streaming, limits. */
class ChatTest {
    @TempDir
    Path tmp;

    private static final GenerationConfig GREEDY = GenerationConfig.builder().maxTokens(10).build();

    @Test
    void thinkingTemplateStartsInsideThinkAndStreamsReasoning() throws Exception {
        Path dir = TextModels.withChatTemplate(tmp.resolve("thinking"), TextModels.qwen3NextTemplate("Thinking"));
        try (Qwen3Next model = Qwen3Next.load(dir, LoadOptions.builder().threads(2).build())) {
            Chat chat = model.newChat(ChatOptions.defaults());
            chat.add(ChatMessage.user("Why is the sky blue?"));
            ChatPrompt p = chat.prompt();
            assertTrue(p.text().endsWith("<|im_start|>assistant\n<think>\n"), p.text());
            assertTrue(p.opensThinking());
            List<TextPiece> pieces = new ArrayList<>();
            ChatResponse r = chat.respond(GREEDY, pieces::add);
            // random weights do not close the think block: everything is reasoning
            assertFalse(r.reasoning().isEmpty());
            assertEquals("", r.content());
            assertTrue(pieces.stream().allMatch(TextPiece::isReasoning));
            assertEquals(r.reasoning(), String.join("", pieces.stream().map(TextPiece::text).toList()));
            // the answer goes back into the conversation with its reasoning
            ChatMessage last = chat.messages().getLast();
            assertEquals("assistant", last.role());
            assertEquals(r.reasoning(), last.reasoning());
        }
    }

    @Test
    void instructTemplateAndThinkingSwitch() throws Exception {
        Path dir = TextModels.withChatTemplate(tmp.resolve("instruct"), TextModels.qwen3NextTemplate("Instruct"));
        try (Qwen3Next model = Qwen3Next.load(dir, LoadOptions.builder().threads(2).build())) {
            ChatPrompt p = model.chatPrompt(List.of(ChatMessage.user("Hi")), ChatOptions.builder().system("Be brief.").build());
            assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n", p.text());
            assertFalse(p.opensThinking());
        }
        try (Qwen3Next model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            // the bundled Qwen3 template has the enable_thinking switch: off closes an empty think block
            ChatPrompt off = model.chatPrompt(List.of(ChatMessage.user("Hi")), ChatOptions.builder().enableThinking(false).build());
            assertTrue(off.text().endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n"), off.text());
            assertFalse(off.opensThinking());
            assertArrayEqualsIds(model.tokenizer().encode(off.text()), off.tokenIds());
        }
    }

    private static void assertArrayEqualsIds(int[] a, int[] b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(a, b);
    }

    @Test
    void toolCallsAndResultsGoThroughTheTemplate() {
        try (Qwen3Next model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            Map<String, Object> tool = Map.of("type", "function", "function", Map.of("name", "get_weather",
                    "description", "Weather of a city", "parameters", Map.of("type", "object",
                            "properties", Map.of("city", Map.of("type", "string")))));
            Chat chat = model.newChat(ChatOptions.builder().tools(List.of(tool)).build());
            chat.add(ChatMessage.user("Weather in Paris?"));
            ToolCall call = new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}");
            chat.add(ChatMessage.assistant("", null, List.of(call)));
            chat.add(ChatMessage.tool("call_1", "18°C, sunny"));
            String text = chat.prompt().text();
            assertTrue(text.contains("# Tools"), text);
            assertTrue(text.contains("\"name\": \"get_weather\""), text);
            assertTrue(text.contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>"), text);
            assertTrue(text.contains("<|im_start|>user\n<tool_response>\n18°C, sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n"), text);
            ChatResponse r = chat.respond(GREEDY, GenerationListener.NONE);
            assertEquals(10, r.tokenIds().length);
            assertEquals(4, chat.messages().size());
        }
    }

    @Test
    void streamAndErrorsLeaveTheConversationConsistent() {
        try (Qwen3Next model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).contextLength(64).build())) {
            Chat chat = model.newChat(ChatOptions.builder().system("S").build());
            try (TextStream<ChatResponse> s = chat.stream("Hello", GREEDY)) {
                StringBuilder sb = new StringBuilder();
                s.forEachRemaining(p -> sb.append(p.text()));
                assertEquals(s.result().content(), sb.toString());
            }
            assertEquals(3, chat.messages().size());
            String tooLong = "word ".repeat(80);
            NextInferException e = assertThrows(NextInferException.class, () -> chat.send(tooLong, GREEDY));
            assertTrue(e.getMessage().contains("exceeds the context length of 64 tokens"), e.getMessage());
            assertThrows(NextInferException.class, () -> chat.stream(tooLong, GREEDY));
            assertEquals(3, chat.messages().size(), "refused messages are not kept");
            chat.reset();
            assertEquals(List.of(ChatMessage.system("S")), chat.messages());
            assertThrows(NextInferException.class, () -> new ChatMessage("robot", "x", null, null, null));
        }
    }
}
