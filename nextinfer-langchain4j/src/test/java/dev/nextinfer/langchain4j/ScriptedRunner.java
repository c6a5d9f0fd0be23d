package dev.nextinfer.langchain4j;

import dev.nextinfer.core.ChatOutputReplay;
import dev.nextinfer.core.ChatPrompt;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link TurnRunner} whose "model" writes a scripted output, parsed by the engine's own output parser (see
 * {@link ChatOutputReplay}). Records the turns it was asked for, so tests can check what reached the engine.
 */
final class ScriptedRunner implements TurnRunner {
    static final Tokenizer TOKENIZER = Tokenizer.qwen3();

    private final java.util.function.Function<Turn, String> script;
    private final boolean opensThinking;
    final List<Turn> turns = new ArrayList<>();

    ScriptedRunner(String output) {
        this(output, false);
    }

    ScriptedRunner(String output, boolean opensThinking) {
        this(turn -> output, opensThinking);
    }

    /** Output chosen per turn (e.g. a tool call, then an answer once the tool result is in). */
    ScriptedRunner(java.util.function.Function<Turn, String> script, boolean opensThinking) {
        this.script = script;
        this.opensThinking = opensThinking;
    }

    @Override
    public Tokenizer tokenizer() {
        return TOKENIZER;
    }

    @Override
    public synchronized ChatResponse run(Turn turn, TurnListener listener, Cancellation cancel) {
        turns.add(turn);
        listener.onPrompt(new ChatPrompt("prompt", new int[] {1, 2, 3}, opensThinking));
        return ChatOutputReplay.replay(TOKENIZER, script.apply(turn), opensThinking, 3, listener, cancel::isRequested);
    }

    /** The latest turn. */
    synchronized Turn last() {
        return turns.getLast();
    }
}
