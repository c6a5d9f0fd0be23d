package dev.nextinfer.langchain4j;

import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.tokenizer.Tokenizer;

/** Runs assistant turns on the engine: the one seam between the LangChain4j mapping and nextinfer. */
interface TurnRunner {

    /** The checkpoint's tokenizer (the streaming model decodes the raw token stream with it for tool calls). */
    Tokenizer tokenizer();

    /**
     * Generates the answer to {@code turn} on the calling thread, streaming to {@code listener}.
     *
     * @param cancel stops the generation when requested; the answer then ends with {@code CANCELLED}
     */
    ChatResponse run(Turn turn, TurnListener listener, Cancellation cancel);
}
