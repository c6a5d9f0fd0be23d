package dev.nextinfer.core.decode;

/**
 * Where a {@link TokenLoop} hands the tokens it commits, and who says when to stop: the per-token callback and the
 * stop predicate in one (the generation layer turns tokens into text here and applies stop tokens and stop
 * strings; a tool just collects them). The token limit is the loop's own ({@link TokenLoop.Builder#maxTokens}).
 */
@FunctionalInterface
public interface TokenSink {
    /** Takes every token, keeps going until the token limit. */
    TokenSink ALL = token -> true;

    /**
     * Takes the next committed token (already counted as generated); returns whether to go on. False ends the
     * generation with {@link dev.nextinfer.core.FinishReason#STOP}.
     */
    boolean accept(int token);

    /**
     * Checked before each token is committed and between prefill chunks: true ends the generation with
     * {@link dev.nextinfer.core.FinishReason#CANCELLED}, dropping the token in hand. The default never cancels.
     */
    default boolean cancelled() {
        return false;
    }
}
