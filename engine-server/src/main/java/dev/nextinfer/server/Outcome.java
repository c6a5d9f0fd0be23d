package dev.nextinfer.server;

import dev.nextinfer.core.Usage;

/** What a request did, filled in while it is handled: for the log line, the metrics, and how to answer an error. */
final class Outcome {
    int status;
    boolean stream;
    /** Response headers went out: an error can no longer change the status. */
    boolean headersSent;
    int promptTokens;
    int cachedTokens;
    int completionTokens;
    String finishReason;
    /** Set when a generation ran (for the metrics). */
    Usage usage;

    void usage(Usage u, String finish) {
        usage = u;
        promptTokens = u.promptTokens();
        cachedTokens = u.cachedPromptTokens();
        completionTokens = u.completionTokens();
        finishReason = finish;
    }
}
