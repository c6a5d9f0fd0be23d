package dev.nextinfer.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import dev.nextinfer.core.MemoryLimitException;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.tokenizer.TokenizerException;

/** Turns what went wrong in a request into OpenAI's error answer, before or after the response started. */
final class ErrorResponses {
    private ErrorResponses() {
    }

    /**
     * The error answer for an exception a handler threw while the server {@code shuttingDown} or not: during a
     * shutdown what would be an internal error (a generation cancelled or interrupted under the request, the model
     * closing) is the shutdown's doing, so it is answered as such, 503 with {@code Retry-After}, which a load balancer
     * retries on another replica.
     */
    static ApiError of(Throwable t, boolean shuttingDown) {
        ApiError e = of(t);
        return e.status == 500 && shuttingDown ? Admission.shuttingDown() : e;
    }

    /** The error answer for an exception a handler threw. */
    static ApiError of(Throwable t) {
        return switch (t) {
            case ApiError e -> e;
            case MemoryLimitException e -> e.retryable()
                    ? new ApiError(503, "server_error", "insufficient_memory", null, e.getMessage())
                    : ApiError.badRequest("insufficient_memory", "max_tokens", e.getMessage());
            case NextInferException e -> ApiError.badRequest(null, e.getMessage());
            case TokenizerException e -> ApiError.badRequest(null, e.getMessage()); // e.g. a template that fails on these messages
            case StackOverflowError e -> ApiError.badRequest(null, "the request is nested too deeply");
            default -> new ApiError(500, "server_error", null, null, "internal error: " + oneLine(t));
        };
    }

    private static String oneLine(Throwable t) {
        String s = String.valueOf(t);
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /**
     * Answers {@code e}: a JSON error with its status (and {@code Retry-After: 1} for 429 and 503), or, once a stream
     * has started, an error event and the end of the stream. A non-streaming answer already sent is left alone.
     */
    static void send(HttpExchange ex, ApiError e, Outcome outcome) {
        if (outcome.headersSent) {
            if (outcome.stream) {
                SseStream.writeError(ex, Wire.error(e), outcome);
            }
            return;
        }
        if (e.status == 429 || e.status == 503) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        if (e.status == 401) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        }
        byte[] body;
        try {
            body = Wire.JSON.writeValueAsBytes(Wire.error(e));
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException(impossible);
        }
        HttpIo.send(ex, e.status, "application/json", body, outcome);
    }
}
