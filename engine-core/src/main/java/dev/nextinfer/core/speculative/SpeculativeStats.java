package dev.nextinfer.core.speculative;

/**
 * Counters of a {@link SpeculativeDecoder}.
 *
 * @param verifications main-model passes that verified drafts
 * @param plainSteps    main-model passes without drafts (no room or no tokens left to draft)
 * @param drafted       draft tokens proposed by the MTP head
 * @param accepted      draft tokens accepted
 * @param emitted       tokens returned (accepted drafts plus one token per pass)
 */
public record SpeculativeStats(long verifications, long plainSteps, long drafted, long accepted, long emitted) {

    /** Main-model passes of either kind. */
    public long passes() {
        return verifications + plainSteps;
    }

    /** Accepted ÷ drafted (0 before any draft). */
    public double acceptanceRate() {
        return drafted == 0 ? 0 : (double) accepted / drafted;
    }

    /** Tokens per main-model pass (1 for plain decoding). */
    public double tokensPerPass() {
        return passes() == 0 ? 0 : (double) emitted / passes();
    }

    /** One line for logs: {@code passes 12, drafted 36, accepted 30 (0.833), 3.50 tokens/pass}. */
    public String summary() {
        return String.format(java.util.Locale.ROOT, "passes %d, drafted %d, accepted %d (%.3f), %.2f tokens/pass",
                passes(), drafted, accepted, acceptanceRate(), tokensPerPass());
    }
}
