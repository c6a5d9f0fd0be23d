package dev.nextinfer.spring.ai;

import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.GenerationListener;

/** Runs assistant turns on the engine: the one seam between the Spring AI mapping and nextinfer. */
interface TurnRunner {

    /**
     * Generates the answer to {@code turn} on the calling thread, streaming to {@code listener}.
     *
     * @param cancel stops the generation when requested; the answer then ends with {@code CANCELLED}
     */
    ChatResponse run(Turn turn, GenerationListener listener, Cancellation cancel);
}
