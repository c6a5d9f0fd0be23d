package dev.nextinfer.server;

import dev.nextinfer.tokenizer.OneLine;

/**
 * An error answered in OpenAI's shape: {@code {"error": {"message", "type", "param", "code"}}} with an HTTP status.
 */
final class ApiError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    final String param;
    final String code;

    ApiError(int status, String type, String code, String param, String message) {
        super(oneLine(message));
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
    }

    /** The message on one line (a request's own text, a model name or a role, may hold line breaks), bounded. */
    private static String oneLine(String message) {
        return message == null ? "" : OneLine.of(message);
    }

    /** 400: a request the server cannot run as given. */
    static ApiError badRequest(String param, String message) {
        return new ApiError(400, "invalid_request_error", null, param, message);
    }

    /** 400 with a specific code. */
    static ApiError badRequest(String code, String param, String message) {
        return new ApiError(400, "invalid_request_error", code, param, message);
    }
}
