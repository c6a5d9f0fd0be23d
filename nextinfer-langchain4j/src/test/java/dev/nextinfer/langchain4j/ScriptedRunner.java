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

    private final String output;
    private final boolean opensThinking;
    final List<Turn> turns = new ArrayList<>();

    ScriptedRunner(String output) {
        this(output, false);
    }

    ScriptedRunner(String output, boolean opensThinking) {
        this.output = output;
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
        return ChatOutputReplay.replay(TOKENIZER, output, opensThinking, 3, listener, cancel::isRequested);
    }

    /** The latest turn. */
    synchronized Turn last() {
        return turns.getLast();
    }
}
