package dev.nextinfer.spring.ai;

import dev.nextinfer.core.ChatOutputReplay;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A {@link TurnRunner} whose "model" writes scripted output (chosen per turn), parsed by the engine's own output
 * parser (see {@link ChatOutputReplay}). Records the turns it was asked for.
 */
final class ScriptedRunner implements TurnRunner {
    private static final Tokenizer TOKENIZER = Tokenizer.qwen3();

    private final Function<Turn, String> script;
    final List<Turn> turns = new ArrayList<>();

    ScriptedRunner(String output) {
        this(turn -> output);
    }

    ScriptedRunner(Function<Turn, String> script) {
        this.script = script;
    }

    @Override
    public synchronized ChatResponse run(Turn turn, GenerationListener listener, Cancellation cancel) {
        turns.add(turn);
        return ChatOutputReplay.replay(TOKENIZER, script.apply(turn), false, 3, listener, cancel::isRequested);
    }

    synchronized Turn last() {
        return turns.getLast();
    }
}
