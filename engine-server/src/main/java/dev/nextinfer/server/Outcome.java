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
    private Runnable onFinish;
    private boolean finished;

    /**
     * What to do once the answer is decided, just before its last bytes go out (the metrics): a client that reads
     * the response and at once asks {@code /metrics} must find its request counted.
     */
    void onFinish(Runnable r) {
        onFinish = r;
    }

    /** Runs the {@link #onFinish} action, once (before the last write; or at the end, for a client gone away). */
    synchronized void finish() {
        if (!finished) {
            finished = true;
            if (onFinish != null) {
                onFinish.run();
            }
        }
    }

    void usage(Usage u, String finish) {
        usage = u;
        promptTokens = u.promptTokens();
        cachedTokens = u.cachedPromptTokens();
        completionTokens = u.completionTokens();
        finishReason = finish;
    }
}
