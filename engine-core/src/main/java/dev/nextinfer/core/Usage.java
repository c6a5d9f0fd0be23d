package dev.nextinfer.core;

/**
 * Token counts and timings of one generation.
 *
 * @param promptTokens       tokens in the prompt
 * @param cachedPromptTokens prompt tokens whose state was reused from earlier calls on the session (not recomputed)
 * @param completionTokens   tokens generated, including a final end-of-sequence / stop token
 * @param prefillNanos       time to process the prompt (the uncached part)
 * @param decodeNanos        time from the end of the prefill to the end of the generation
 * @param draftedTokens      speculative decoding: tokens drafted by the MTP head (0 without it)
 * @param acceptedTokens     speculative decoding: drafted tokens the model accepted
 */
public record Usage(int promptTokens, int cachedPromptTokens, int completionTokens, long prefillNanos,
                    long decodeNanos, int draftedTokens, int acceptedTokens) {

    /** Prompt plus completion tokens. */
    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    /** Prompt tokens actually computed per second (0 if none). */
    public double prefillTokensPerSecond() {
        int n = promptTokens - cachedPromptTokens;
        return n == 0 || prefillNanos == 0 ? 0 : n / (prefillNanos / 1e9);
    }

    /**
     * Generated tokens per second, counted from the first generated token on (its sampling follows the prefill, so
     * the rate is over {@code completionTokens - 1} forward steps); 0 for fewer than two tokens.
     */
    public double tokensPerSecond() {
        return completionTokens < 2 || decodeNanos == 0 ? 0 : (completionTokens - 1) / (decodeNanos / 1e9);
    }
}
