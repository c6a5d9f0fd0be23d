package dev.nextinfer.core;

import dev.nextinfer.tokenizer.StreamingDecoder;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.function.BooleanSupplier;

/**
 * Test helper for the integrations (in the test-jar; in this package to reach the output parser): replays a
 * scripted model output as the engine would stream it — encoded with the real tokenizer, each token reported to
 * {@link GenerationListener#onToken}, decoded, then split by the engine's own {@code ChatOutputParser} into
 * content, reasoning and tool calls. A random checkpoint never writes a {@code <tool_call>} block; this is how the
 * adapters' tool-call mapping is tested against the engine's real parsing.
 */
public final class ChatOutputReplay {
    private ChatOutputReplay() {
    }

    /**
     * @param output           the raw text the model "writes" (special tokens such as {@code <tool_call>} included)
     * @param startsInThinking whether the prompt opened a {@code <think>} block
     * @param promptTokens     reported as the usage's prompt tokens
     * @param cancelled        checked before each token; when true the output ends with {@code CANCELLED}
     */
    public static ChatResponse replay(Tokenizer tokenizer, String output, boolean startsInThinking, int promptTokens,
                                      GenerationListener listener, BooleanSupplier cancelled) {
        int[] ids = tokenizer.encode(output);
        ChatOutputParser parser = new ChatOutputParser(startsInThinking, listener);
        StreamingDecoder decoder = tokenizer.newStreamingDecoder(true);
        FinishReason finish = FinishReason.STOP;
        int emitted = 0;
        for (int id : ids) {
            if (cancelled.getAsBoolean()) {
                finish = FinishReason.CANCELLED;
                break;
            }
            emitted++;
            listener.onToken(id);
            String text = decoder.push(id);
            if (!text.isEmpty()) {
                parser.accept(text);
            }
        }
        String rest = decoder.flush();
        if (!rest.isEmpty()) {
            parser.accept(rest);
        }
        parser.finish();
        int[] generated = java.util.Arrays.copyOf(ids, emitted);
        Usage usage = new Usage(promptTokens, 0, emitted, 1_000_000, 2_000_000, 0, 0);
        return new ChatResponse(parser.content(), parser.reasoning(), parser.toolCalls(), finish, usage, generated);
    }
}
