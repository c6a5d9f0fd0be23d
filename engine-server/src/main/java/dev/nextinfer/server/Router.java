package dev.nextinfer.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Routes a request to its endpoint: checks the method and the API key ({@code /health} answers without one, for
 * load balancers), turns whatever a handler throws into an error answer, and records each request in the log and
 * the metrics.
 */
final class Router implements HttpHandler {
    /** Longest path written to the log (a hostile client's path could be long). */
    private static final int MAX_LOGGED_PATH = 200;

    private final Endpoints endpoints;
    private final ApiKey key;
    private final Metrics metrics;
    private final Supplier<Metrics.Gauges> gauges;
    private final Consumer<RequestLog> log;
    private final BooleanSupplier shuttingDown;

    Router(Endpoints endpoints, ApiKey key, Metrics metrics, Supplier<Metrics.Gauges> gauges, Consumer<RequestLog> log,
           BooleanSupplier shuttingDown) {
        this.endpoints = endpoints;
        this.key = key;
        this.metrics = metrics;
        this.gauges = gauges;
        this.log = log;
        this.shuttingDown = shuttingDown;
    }

    @Override
    public void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        metrics.inFlight.incrementAndGet();
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        Outcome outcome = new Outcome();
        String route = route(path);
        outcome.onFinish(() -> {
            long nanos = System.nanoTime() - t0;
            metrics.inFlight.decrementAndGet();
            metrics.request(route, outcome, nanos);
            log.accept(new RequestLog(method, loggable(ex), outcome.status, outcome.stream, outcome.promptTokens,
                    outcome.cachedTokens, outcome.completionTokens, outcome.finishReason, nanos / 1e9));
        });
        try {
            if (!route.equals("/health") && !key.allows(ex)) {
                throw ApiKey.unauthorized();
            }
            switch (route) {
                case "/health" -> {
                    requireMethod(method, "GET");
                    endpoints.health(ex, outcome);
                }
                case "/metrics" -> {
                    requireMethod(method, "GET");
                    HttpIo.send(ex, 200, Metrics.CONTENT_TYPE, metrics.render(gauges.get()).getBytes(StandardCharsets.UTF_8), outcome);
                }
                case "/v1/models" -> {
                    requireMethod(method, "GET");
                    endpoints.models(ex, outcome);
                }
                case "/v1/models/{id}" -> {
                    requireMethod(method, "GET");
                    endpoints.model(ex, outcome, path.substring("/v1/models/".length()));
                }
                case "/v1/chat/completions" -> {
                    requireMethod(method, "POST");
                    endpoints.chatCompletions(ex, outcome);
                }
                case "/v1/completions" -> {
                    requireMethod(method, "POST");
                    endpoints.completions(ex, outcome);
                }
                default -> throw new ApiError(404, "invalid_request_error", "not_found", null,
                        "Invalid URL (" + method + " " + loggable(ex) + ")");
            }
        } catch (Throwable t) {
            if (t instanceof VirtualMachineError && !(t instanceof StackOverflowError || t instanceof OutOfMemoryError)) {
                throw (VirtualMachineError) t;
            }
            ErrorResponses.send(ex, ErrorResponses.of(t, shuttingDown.getAsBoolean()), outcome);
        } finally {
            outcome.finish(); // if no answer went out (a client gone away)
            ex.close();
        }
    }

    /** The endpoint a path names (its pattern, a metrics label), or "other". */
    static String route(String path) {
        return switch (path) {
            case "/health", "/metrics", "/v1/models", "/v1/chat/completions", "/v1/completions" -> path;
            default -> path.startsWith("/v1/models/") ? "/v1/models/{id}" : "other";
        };
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiError(405, "invalid_request_error", "method_not_allowed", null, method + " is not allowed here (use " + allowed + ")");
        }
    }

    /** The raw (still percent-encoded, so free of control characters) path, shortened. */
    private static String loggable(HttpExchange ex) {
        String p = ex.getRequestURI().getRawPath();
        if (p == null) {
            return "?";
        }
        return p.length() <= MAX_LOGGED_PATH ? p : p.substring(0, MAX_LOGGED_PATH) + "…";
    }
}
