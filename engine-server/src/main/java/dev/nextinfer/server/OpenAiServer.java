package dev.nextinfer.server;

import com.sun.net.httpserver.HttpServer;
import dev.nextinfer.core.Qwen3Next;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An OpenAI-compatible HTTP server over one loaded model: {@code GET /v1/models}, {@code POST /v1/chat/completions},
 * {@code POST /v1/completions} (both also streaming as server-sent events), {@code GET /health} and a Prometheus
 * {@code GET /metrics}. Embed it in an application in a few lines:
 *
 * <pre>{@code
 * try (Qwen3Next model = Qwen3Next.load(dir, LoadOptions.defaults());
 *      OpenAiServer server = OpenAiServer.builder(model).port(8080).start()) {
 *     server.join();
 * }
 * }</pre>
 *
 * <p>The JDK's {@code com.sun.net.httpserver.HttpServer} with one virtual thread per request: no dependency, and a
 * request that waits (for a slot, or for a slow client) costs almost nothing. Generation itself is CPU-bound and
 * runs on the model's thread pool, so {@code parallel} bounds how many run at once and up to {@code maxQueue} more
 * wait; beyond that requests get 429, and 503 while shutting down. A streaming client that disconnects cancels its
 * generation at the next token (a failed write). With an API key every endpoint but {@code /health} needs
 * {@code Authorization: Bearer KEY}. The server does not own the model: close the model after the server.
 *
 * <p>The classes behind it, one job each: {@code Router} (paths, methods, the key, errors, log and metrics),
 * {@code Endpoints} (what each endpoint does), {@code Requests} (request JSON → engine types), {@code Wire}
 * (response JSON), {@code SseStream} (server-sent events), {@code HttpIo} (bodies), {@code ErrorResponses},
 * {@code Admission} (slots and queue), {@code SessionPool} (sessions reused for their prefixes), {@code Metrics}.
 */
public final class OpenAiServer implements AutoCloseable {
    private static final System.Logger LOGGER = System.getLogger(OpenAiServer.class.getName());

    private final Qwen3Next model;
    private final ServerConfig config;
    private final String modelName;
    private final Admission admission;
    private final SessionPool sessions;
    private final Metrics metrics = new Metrics();
    private final HttpServer http;
    private final ExecutorService executor;
    private final Consumer<String> warnings;
    private final CountDownLatch closed = new CountDownLatch(1);

    /**
     * Binds the server (not yet serving: call {@link #start()}); warnings go to {@link System.Logger}.
     *
     * @param log receives one record per request
     * @throws IOException when the address cannot be bound
     */
    public OpenAiServer(Qwen3Next model, ServerConfig config, Consumer<RequestLog> log) throws IOException {
        this(model, config, log, w -> LOGGER.log(System.Logger.Level.WARNING, w));
    }

    private OpenAiServer(Qwen3Next model, ServerConfig config, Consumer<RequestLog> log, Consumer<String> warnings)
            throws IOException {
        this.model = Objects.requireNonNull(model, "model");
        this.config = Objects.requireNonNull(config, "config");
        this.warnings = warnings;
        this.modelName = config.modelName() != null ? config.modelName() : ServerConfig.modelId(model.dir());
        this.admission = new Admission(config.parallel(), config.maxQueue());
        this.sessions = new SessionPool(model, config.parallel());
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        Endpoints endpoints = new Endpoints(model, config, modelName, admission, sessions);
        http.createContext("/", new Router(endpoints, new ApiKey(config.apiKey()), metrics, this::gauges,
                Objects.requireNonNull(log, "log"), admission::closed));
    }

    /** A builder over {@code model} with the {@code serve} command's defaults (127.0.0.1:8080, no key). */
    public static Builder builder(Qwen3Next model) {
        return new Builder(model);
    }

    /** Starts serving; warns (once) when the address is reachable from other machines and there is no API key. */
    public OpenAiServer start() {
        String w = exposureWarning();
        if (w != null) {
            warnings.accept(w);
        }
        http.start();
        return this;
    }

    /** A warning when the bound address is not loopback and no API key is set, else null. */
    public String exposureWarning() {
        InetSocketAddress a = address();
        if (config.requiresKey() || a.getAddress() == null || a.getAddress().isLoopbackAddress()) {
            return null;
        }
        return "listening on " + config.host() + ":" + a.getPort() + ", which other machines can reach, without an"
                + " API key: anyone who can connect can use the model (set an API key, or bind 127.0.0.1 behind a proxy)";
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** The base URL clients use, e.g. {@code http://127.0.0.1:8080/v1}. */
    public URI url() {
        InetSocketAddress a = address();
        String host = a.getAddress() != null && a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
        if (host.indexOf(':') >= 0) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort() + "/v1");
    }

    /** The served model id. */
    public String modelName() {
        return modelName;
    }

    /** The settings it was built with. */
    public ServerConfig config() {
        return config;
    }

    /** The metrics as {@code GET /metrics} renders them (Prometheus text format). */
    public String metricsText() {
        return metrics.render(gauges());
    }

    /** Requests waiting for a slot now. */
    int waiting() {
        return admission.waiting();
    }

    private Metrics.Gauges gauges() {
        return new Metrics.Gauges(admission.waiting(), config.maxQueue(), admission.running(), config.parallel(),
                model.reservedMemory(), model.memoryLimit());
    }

    /**
     * Waits until the server is closed; an interrupt ends the wait (with {@link InterruptedException}), so
     * try-with-resources around it closes the server.
     */
    public void join() throws InterruptedException {
        closed.await();
    }

    /**
     * Refuses new requests (503), cancels running generations, and stops within about a second; returns once the
     * request handlers have ended (at most {@link #HANDLER_GRACE_SECONDS} more), so that the model can be closed
     * after it without pulling memory from under a step still running. Idempotent.
     */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        admission.close();
        sessions.cancelAll();
        http.stop(1);
        executor.shutdownNow();
        try {
            executor.awaitTermination(HANDLER_GRACE_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sessions.close();
        closed.countDown();
    }

    /** How long {@link #close} waits for handlers still in a (cancelled) step: one decode or prefill chunk. */
    static final int HANDLER_GRACE_SECONDS = 30;

    /** Builds and binds an {@link OpenAiServer}. */
    public static final class Builder {
        private final Qwen3Next model;
        private final ServerConfig.Builder config = ServerConfig.builder();
        private Consumer<RequestLog> log = r -> { };
        private Consumer<String> warnings = w -> LOGGER.log(System.Logger.Level.WARNING, w);

        private Builder(Qwen3Next model) {
            this.model = Objects.requireNonNull(model, "model");
        }

        /** All settings at once (replacing those set so far). */
        public Builder config(ServerConfig c) {
            config.host(c.host()).port(c.port()).modelName(c.modelName()).parallel(c.parallel()).maxQueue(c.maxQueue())
                    .maxBodyBytes(c.maxBodyBytes()).defaultMaxTokens(c.defaultMaxTokens()).mtpDraftTokens(c.mtpDraftTokens())
                    .apiKey(c.apiKey());
            return this;
        }

        /** See {@link ServerConfig.Builder#host}. */
        public Builder host(String host) {
            config.host(host);
            return this;
        }

        /** See {@link ServerConfig.Builder#port}. */
        public Builder port(int port) {
            config.port(port);
            return this;
        }

        /** See {@link ServerConfig.Builder#modelName}. */
        public Builder modelName(String name) {
            config.modelName(name);
            return this;
        }

        /** See {@link ServerConfig.Builder#parallel}. */
        public Builder parallel(int parallel) {
            config.parallel(parallel);
            return this;
        }

        /** See {@link ServerConfig.Builder#maxQueue}. */
        public Builder maxQueue(int maxQueue) {
            config.maxQueue(maxQueue);
            return this;
        }

        /** See {@link ServerConfig.Builder#maxBodyBytes}. */
        public Builder maxBodyBytes(long bytes) {
            config.maxBodyBytes(bytes);
            return this;
        }

        /** See {@link ServerConfig.Builder#defaultMaxTokens}. */
        public Builder defaultMaxTokens(int n) {
            config.defaultMaxTokens(n);
            return this;
        }

        /** See {@link ServerConfig.Builder#mtpDraftTokens}. */
        public Builder mtpDraftTokens(int k) {
            config.mtpDraftTokens(k);
            return this;
        }

        /** See {@link ServerConfig.Builder#apiKey}. */
        public Builder apiKey(String key) {
            config.apiKey(key);
            return this;
        }

        /** Receives one record per request (default: none). */
        public Builder log(Consumer<RequestLog> log) {
            this.log = Objects.requireNonNull(log, "log");
            return this;
        }

        /** Receives the server's warnings (default: {@link System.Logger} at WARNING). */
        public Builder warnings(Consumer<String> warnings) {
            this.warnings = Objects.requireNonNull(warnings, "warnings");
            return this;
        }

        /** Binds the server without starting it. */
        public OpenAiServer build() throws IOException {
            return new OpenAiServer(model, config.build(), log, warnings);
        }

        /** Binds and starts the server. */
        public OpenAiServer start() throws IOException {
            return build().start();
        }
    }
}
