package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nextinfer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The replay helper the integrations test with produces what a chat generation would. */
class ChatOutputReplayTest {
    @Test
    void replayParsesLikeAChat() {
        List<Integer> tokens = new ArrayList<>();
        List<ToolCall> calls = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        GenerationListener l = new GenerationListener() {
            @Override
            public void onText(TextPiece piece) {
                text.append(piece.text());
            }

            @Override
            public void onToolCall(ToolCall call) {
                calls.add(call);
            }

            @Override
            public void onToken(int id) {
                tokens.add(id);
            }
        };
        ChatResponse r = ChatOutputReplay.replay(Tokenizer.qwen3(),
                "Sure.\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": 1}}\n</tool_call>", false, 5, l, () -> false);
        assertEquals("Sure.", r.content());
        assertEquals("Sure.", text.toString());
        assertEquals(List.of(new ToolCall(calls.getFirst().id(), "f", "{\"a\":1}")), r.toolCalls());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(tokens.size(), r.usage().completionTokens());
        assertEquals(5, r.usage().promptTokens());
        assertEquals(FinishReason.CANCELLED, ChatOutputReplay.replay(Tokenizer.qwen3(), "abc", false, 1, l, () -> true).finishReason());
    }
}
