package dev.nextinfer.spring.ai;

import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.GenerationConfig;
import java.util.List;

/**
 * One assistant turn to generate, in the engine's terms.
 *
 * @param messages    the whole conversation (Spring AI sends it with every prompt)
 * @param options     tools and template switches (no system message: it is among the messages)
 * @param config      sampling, stops and the token limit
 * @param fillContext no token limit was asked for: generate up to the end of the context
 */
record Turn(List<ChatMessage> messages, ChatOptions options, GenerationConfig config, boolean fillContext) {

    /** Normalises and copies. */
    Turn {
        messages = List.copyOf(messages);
    }

    /** The generation config for a prompt of {@code promptTokens} in a context of {@code contextLength}. */
    GenerationConfig configFor(int promptTokens, int contextLength) {
        if (!fillContext) {
            return config;
        }
        return config.toBuilder().maxTokens(Math.max(1, contextLength - promptTokens)).build();
    }
}
