package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The raw-text follower that streams tool-call arguments, fed in pieces of every size. */
class ToolCallStreamerTest {

    private static final class Sink implements ToolCallStreamer.Sink {
        final List<ToolCallStreamer.Started> started = new ArrayList<>();
        final List<String> pieces = new ArrayList<>();
        final StringBuilder args = new StringBuilder();

        @Override
        public ToolCallStreamer.Started started(String name) {
            ToolCallStreamer.Started s = new ToolCallStreamer.Started(started.size(), "id" + started.size(), name);
            started.add(s);
            return s;
        }

        @Override
        public void arguments(ToolCallStreamer.Started call, String piece) {
            pieces.add(call.index() + ":" + piece);
            args.append(piece);
        }
    }

    private static Sink feed(String text, int chunk, boolean startsInThinking) {
        Sink sink = new Sink();
        ToolCallStreamer s = new ToolCallStreamer(startsInThinking, sink);
        for (int i = 0; i < text.length(); i += chunk) {
            s.accept(text.substring(i, Math.min(text.length(), i + chunk)));
        }
        return sink;
    }

    @Test
    void argumentsStreamWhateverThePieceSize() {
        String out = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"units\": {\"t\": \"C\"}}}\n</tool_call>";
        for (int chunk = 1; chunk <= out.length(); chunk++) {
            Sink sink = feed(out, chunk, false);
            assertEquals(1, sink.started.size(), "chunk " + chunk);
            assertEquals("get_weather", sink.started.getFirst().name());
            assertEquals("{\"city\": \"Paris\", \"units\": {\"t\": \"C\"}}", sink.args.toString(), "chunk " + chunk);
        }
    }

    @Test
    void piecesArriveBeforeTheBlockCloses() {
        Sink sink = new Sink();
        ToolCallStreamer s = new ToolCallStreamer(false, sink);
        s.accept("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"a\": ");
        s.accept("\"xyz");
        assertEquals("{\"a\": \"xyz", sink.args.toString());
        s.accept("\"}}\n</tool_call>");
        assertEquals("{\"a\": \"xyz\"}", sink.args.toString());
    }

    @Test
    void twoCallsAndClaiming() {
        Sink sink = new Sink();
        ToolCallStreamer s = new ToolCallStreamer(false, sink);
        s.accept("<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>\n<tool_call>{\"name\": \"b\", \"arguments\": {\"x\": 1}}</tool_call>");
        assertEquals(List.of("0:{}", "1:{\"x\": 1}"), sink.pieces);
        assertEquals("a", s.claim("a").name());
        assertEquals("b", s.claim("b").name());
        assertNull(s.claim("b"));
    }

    @Test
    void noStreamingInsideThinkingOrForOtherShapes() {
        assertEquals(0, feed("<think>maybe <tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call></think>ok", 3, false).started.size());
        assertEquals(0, feed("maybe <tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call></think>ok", 3, true).started.size());
        assertEquals(1, feed("x</think>\n<tool_call>{\"name\": \"a\", \"arguments\": {}}</tool_call>", 2, true).started.size());
        Sink stringArgs = feed("<tool_call>{\"name\": \"a\", \"arguments\": \"{\\\"x\\\": 1}\"}</tool_call>", 4, false);
        assertEquals(0, stringArgs.started.size(), "arguments as a JSON string: only the complete call is reported");
        assertEquals(0, feed("<tool_call>{\"arguments\": {}, \"name\": \"a\"}</tool_call>", 1, false).started.size());
    }
}
