package dev.nextinfer.langchain4j;

import dev.nextinfer.core.ChatPrompt;
import dev.nextinfer.core.GenerationListener;

/** A {@link GenerationListener} that is also told the rendered prompt before generation starts. */
interface TurnListener extends GenerationListener {

    /** The prompt the turn generates after (e.g. whether it opens a {@code <think>} block). */
    default void onPrompt(ChatPrompt prompt) {
    }
}
