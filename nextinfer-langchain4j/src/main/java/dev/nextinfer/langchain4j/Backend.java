package dev.nextinfer.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.Qwen3Next;
import java.util.List;

/**
 * What a built model runs on: the turn runner, the checkpoint's generation defaults, the effective default
 * request parameters, and the loaded model if the builder loaded it (then the chat model closes it).
 */
record Backend(TurnRunner runner, GenerationConfig base, NextinferChatRequestParameters defaults, String modelName,
               List<ChatModelListener> listeners, boolean returnThinking, Qwen3Next owned) {

    Backend {
        listeners = List.copyOf(listeners);
    }

    /** Closes the model if this backend loaded it. */
    void close() {
        if (owned != null) {
            owned.close();
        }
    }
}
