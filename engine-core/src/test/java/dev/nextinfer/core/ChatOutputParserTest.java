package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The reasoning / content / tool-call split on hand-written model outputs (random weights never produce them), fed
 * whole, one character at a time, and cut in two at every position: the result and the streamed pieces must not
 * depend on how the text arrives.
 */
class ChatOutputParserTest {

    private record Parsed(String content, String reasoning, List<String> calls, String streamedContent, String streamedReasoning,
                          List<String> streamedCalls) {
    }

    private static Parsed parse(boolean startsInThinking, List<String> chunks) {
        StringBuilder sc = new StringBuilder();
        StringBuilder sr = new StringBuilder();
        List<String> streamedCalls = new ArrayList<>();
        ChatOutputParser p = new ChatOutputParser(startsInThinking, new GenerationListener() {
            @Override
            public void onText(TextPiece piece) {
                if (piece.text().isEmpty()) {
                    throw new AssertionError("empty piece");
                }
                (piece.isReasoning() ? sr : sc).append(piece.text());
            }

            @Override
            public void onToolCall(ToolCall call) {
                streamedCalls.add(call.name() + call.arguments());
            }
        });
        for (String c : chunks) {
            p.accept(c);
        }
        p.finish();
        List<String> calls = p.toolCalls().stream().map(c -> c.name() + c.arguments()).toList();
        return new Parsed(p.content(), p.reasoning(), calls, sc.toString(), sr.toString(), streamedCalls);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("plain answer", false, "Hello\n\nworld!\n", "", "Hello\n\nworld!", List.of()),
                Arguments.of("think block", false, "<think>\nThe user greets me.\n</think>\n\nHello!", "The user greets me.", "Hello!", List.of()),
                Arguments.of("leading whitespace before think", false, "\n <think>x</think>y", "x", "y", List.of()),
                Arguments.of("prompt opened the think block", true, "Let me think.\nStep 2.\n</think>\n\nAnswer.", "Let me think.\nStep 2.", "Answer.", List.of()),
                Arguments.of("thinking cut short", true, "Still thinking\n", "Still thinking", "", List.of()),
                Arguments.of("think not at the start is content", false, "a <think> b </think> c", "", "a <think> b </think> c", List.of()),
                Arguments.of("tool call", false, "I'll check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
                        "", "I'll check.", List.of("get_weather{\"city\":\"Paris\"}")),
                Arguments.of("two tool calls, no text", false,
                        "<tool_call>\n{\"name\": \"a\", \"arguments\": {}}\n</tool_call>\n<tool_call>\n{\"name\": \"b\", \"arguments\": {\"x\": [1, 2]}}\n</tool_call>",
                        "", "", List.of("a{}", "b{\"x\":[1,2]}")),
                Arguments.of("thinking then a tool call", true,
                        "Need weather.\n</think>\n\n<tool_call>\n{\"name\": \"w\", \"arguments\": \"{\\\"q\\\": 1}\"}\n</tool_call>",
                        "Need weather.", "", List.of("w{\"q\":1}")),
                Arguments.of("invalid JSON stays text", false, "Try:\n<tool_call>\n{not json}\n</tool_call>\nok",
                        "", "Try:\n<tool_call>\n{not json}\n</tool_call>\nok", List.of()),
                Arguments.of("missing name stays text", false, "<tool_call>{\"arguments\": {}}</tool_call>",
                        "", "<tool_call>{\"arguments\": {}}</tool_call>", List.of()),
                Arguments.of("unterminated tool call stays text", false, "Sure <tool_call>{\"name\": \"f\"",
                        "", "Sure <tool_call>{\"name\": \"f\"", List.of()),
                Arguments.of("almost a tag", false, "a <tool_cal b </think", "", "a <tool_cal b </think", List.of()),
                Arguments.of("emoji and CJK", false, "<think>🤔 思考</think>答案 ✅", "🤔 思考", "答案 ✅", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void splitsTheSameWhateverTheChunking(String name, boolean startsInThinking, String output, String reasoning,
                                          String content, List<String> calls) {
        List<List<String>> chunkings = new ArrayList<>();
        chunkings.add(List.of(output));
        List<String> chars = new ArrayList<>();
        output.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
        chunkings.add(chars);
        for (int i = 1; i < output.length(); i++) {
            if (!Character.isLowSurrogate(output.charAt(i))) {
                chunkings.add(List.of(output.substring(0, i), output.substring(i)));
            }
        }
        for (List<String> chunks : chunkings) {
            Parsed p = parse(startsInThinking, chunks);
            String where = name + " in " + chunks.size() + " chunks " + chunks;
            assertEquals(reasoning, p.reasoning(), where);
            assertEquals(content, p.content(), where);
            assertEquals(calls, p.calls(), where);
            assertEquals(p.content(), p.streamedContent(), where);
            assertEquals(p.reasoning(), p.streamedReasoning(), where);
            assertEquals(p.calls(), p.streamedCalls(), where);
        }
    }

    @Test
    void toolCallJsonForms() {
        ToolCall c = ChatOutputParser.parseToolCall("\n{\"name\": \"f\", \"arguments\": {\"a\": {\"b\": null}}}\n");
        assertEquals("f", c.name());
        assertEquals("{\"a\":{\"b\":null}}", c.arguments());
        assertEquals(java.util.Map.of("a", java.util.Collections.singletonMap("b", null)), c.argumentsMap());
        assertEquals("{}", ChatOutputParser.parseToolCall("{\"name\": \"g\"}").arguments());
        assertNull(ChatOutputParser.parseToolCall("{\"name\": \"g\", \"arguments\": [1]}"));
        assertNull(ChatOutputParser.parseToolCall("{\"name\": \"g\"} trailing"));
        assertNull(ChatOutputParser.parseToolCall("[]"));
        assertEquals(true, ChatOutputParser.parseToolCall("{\"name\": \"g\"}").id().matches("call_[0-9a-f]{24}"));
    }
}
