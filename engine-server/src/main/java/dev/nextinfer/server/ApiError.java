package dev.nextinfer.server;

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
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
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
