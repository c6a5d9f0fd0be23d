package dev.nextinfer.cli.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatPrompt;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.GenerationResult;
import dev.nextinfer.core.MemoryLimitException;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Session;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.core.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * An OpenAI-compatible HTTP server over one loaded model: {@code GET /v1/models}, {@code POST /v1/chat/completions},
 * {@code POST /v1/completions} (both also streaming as server-sent events), {@code GET /health}.
 *
 * <p>The JDK's {@code com.sun.net.httpserver.HttpServer} with one virtual thread per request: no dependency, and a
 * request that waits (for a slot, or for a slow client) costs almost nothing. Generation itself is CPU-bound and
 * runs on the model's thread pool, so {@code parallel} bounds how many run at once (regions of concurrent
 * generations are serialised by the pool; more than one mainly helps fairness between streaming clients) and up to
 * {@code maxQueue} more wait; beyond that requests get 429, and 503 while shutting down. A streaming client that
 * disconnects cancels its generation at the next token (a failed write).
 */
public final class OpenAiServer implements AutoCloseable {

    /**
     * Server settings.
     *
     * @param host             address to bind (127.0.0.1 by default: local clients only)
     * @param port             port, 0 for any free one
     * @param modelName        the id served in {@code /v1/models} and expected in {@code model}
     * @param parallel         generations running at once (≥ 1)
     * @param maxQueue         requests waiting for a slot beyond those (≥ 0)
     * @param maxBodyBytes     largest request body; larger gets 413
     * @param defaultMaxTokens max tokens when a request gives none; 0 = the rest of the context
     */
    public record Config(String host, int port, String modelName, int parallel, int maxQueue, long maxBodyBytes,
                         int defaultMaxTokens, int mtpDraftTokens) {
        /** Without speculative decoding. */
        public Config(String host, int port, String modelName, int parallel, int maxQueue, long maxBodyBytes, int defaultMaxTokens) {
            this(host, port, modelName, parallel, maxQueue, maxBodyBytes, defaultMaxTokens, 0);
        }
    }

    /** What one request did (for the log line and tests). */
    public record RequestLog(String method, String path, int status, boolean stream, int promptTokens, int cachedTokens,
                             int completionTokens, String finishReason, double seconds) {
        @Override
        public String toString() {
            String s = String.format(Locale.ROOT, "%s %s %d", method, path, status);
            if (finishReason != null) {
                s += String.format(Locale.ROOT, "%s prompt=%d (cached %d) completion=%d finish=%s", stream ? " stream" : "",
                        promptTokens, cachedTokens, completionTokens, finishReason);
            }
            return s + String.format(Locale.ROOT, " %.2fs", seconds);
        }
    }

    private final Qwen3Next model;
    private final Config config;
    private final Consumer<RequestLog> log;
    private final Admission admission;
    private final SessionPool sessions;
    private final HttpServer http;
    private final ExecutorService executor;
    private final long created = System.currentTimeMillis() / 1000;

    /**
     * Binds the server (not yet serving: call {@link #start()}).
     *
     * @param log receives one record per request
     * @throws IOException when the address cannot be bound
     */
    public OpenAiServer(Qwen3Next model, Config config, Consumer<RequestLog> log) throws IOException {
        if (config.parallel() < 1 || config.maxQueue() < 0 || config.maxBodyBytes() < 1 || config.defaultMaxTokens() < 0) {
            throw new IllegalArgumentException("bad server config " + config);
        }
        this.model = model;
        this.config = config;
        this.log = log;
        this.admission = new Admission(config.parallel(), config.maxQueue());
        this.sessions = new SessionPool(model, config.parallel());
        this.http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 128);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/", this::handle);
    }

    /** Starts serving. */
    public void start() {
        http.start();
    }

    /** The bound address (the real port when 0 was asked for). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    /** Requests waiting for a slot now. */
    int waiting() {
        return admission.waiting();
    }

    /** Refuses new requests (503), cancels running generations, and stops within about a second. */
    @Override
    public void close() {
        admission.close();
        sessions.cancelAll();
        http.stop(1);
        executor.shutdownNow();
    }

    // ---- dispatch

    private void handle(HttpExchange ex) {
        long t0 = System.nanoTime();
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getPath();
        Outcome outcome = new Outcome();
        try {
            switch (path) {
                case "/v1/models" -> {
                    requireMethod(method, "GET");
                    ObjectNode body = Requests.JSON.createObjectNode().put("object", "list");
                    body.putArray("data").add(modelObject());
                    sendJson(ex, 200, body, outcome);
                }
                case "/health" -> {
                    requireMethod(method, "GET");
                    sendJson(ex, 200, Requests.JSON.createObjectNode().put("status", admission.closed() ? "shutting_down" : "ok"), outcome);
                }
                case "/v1/chat/completions" -> {
                    requireMethod(method, "POST");
                    chatCompletions(ex, outcome);
                }
                case "/v1/completions" -> {
                    requireMethod(method, "POST");
                    completions(ex, outcome);
                }
                default -> {
                    if (path.startsWith("/v1/models/")) {
                        requireMethod(method, "GET");
                        String id = path.substring("/v1/models/".length());
                        if (!id.equals(config.modelName())) {
                            throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                                    "The model '" + id + "' does not exist; this server serves '" + config.modelName() + "'");
                        }
                        sendJson(ex, 200, modelObject(), outcome);
                    } else {
                        throw new ApiError(404, "invalid_request_error", "not_found", null, "Invalid URL (" + method + " " + path + ")");
                    }
                }
            }
        } catch (ApiError e) {
            sendError(ex, e, outcome);
        } catch (MemoryLimitException e) {
            sendError(ex, e.retryable()
                    ? new ApiError(503, "server_error", "insufficient_memory", null, e.getMessage())
                    : ApiError.badRequest("insufficient_memory", "max_tokens", e.getMessage()), outcome);
        } catch (NextInferException e) {
            sendError(ex, ApiError.badRequest(null, e.getMessage()), outcome);
        } catch (RuntimeException | Error e) {
            sendError(ex, new ApiError(500, "server_error", null, null, "internal error: " + e), outcome);
        } finally {
            ex.close();
            log.accept(new RequestLog(method, path, outcome.status, outcome.stream, outcome.promptTokens,
                    outcome.cachedTokens, outcome.completionTokens, outcome.finishReason, (System.nanoTime() - t0) / 1e9));
        }
    }

    /** Filled in while a request is handled, for the log. */
    private static final class Outcome {
        int status;
        boolean stream;
        boolean headersSent;
        int promptTokens;
        int cachedTokens;
        int completionTokens;
        String finishReason;

        void usage(Usage u, String finish) {
            promptTokens = u.promptTokens();
            cachedTokens = u.cachedPromptTokens();
            completionTokens = u.completionTokens();
            finishReason = finish;
        }
    }

    private static void requireMethod(String method, String allowed) {
        if (!method.equals(allowed)) {
            throw new ApiError(405, "invalid_request_error", "method_not_allowed", null, method + " is not allowed here (use " + allowed + ")");
        }
    }

    private ObjectNode modelObject() {
        return Requests.JSON.createObjectNode().put("id", config.modelName()).put("object", "model")
                .put("created", created).put("owned_by", "nextinfer");
    }

    // ---- endpoints

    private void chatCompletions(HttpExchange ex, Outcome outcome) throws ApiError {
        JsonNode req = Requests.parseBody(readBody(ex));
        Requests.checkModel(req, config.modelName());
        Requests.Chat chat = Requests.chat(req, defaults());
        ChatPrompt prompt = model.chatPrompt(chat.messages(), chat.options());
        GenerationConfig cfg = withMaxTokens(chat.common(), prompt.tokenIds().length);
        String id = "chatcmpl-" + randomId();
        runAdmitted(prompt.tokenIds(), cfg, session -> {
            Chat c = model.newChat(chat.options(), session).addAll(chat.messages());
            if (!chat.common().stream()) {
                ChatResponse r = c.respond(cfg, GenerationListener.NONE);
                String finish = finish(r.finishReason(), r.hasToolCalls());
                outcome.usage(r.usage(), finish);
                ObjectNode body = envelope(id, "chat.completion");
                ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
                choice.set("message", message(r));
                choice.putNull("logprobs");
                choice.put("finish_reason", finish);
                body.set("usage", usage(r.usage()));
                sendJson(ex, 200, body, outcome);
                return;
            }
            outcome.stream = true;
            Sse sse = new Sse(ex, session, outcome);
            sse.send(chunk(id, "chat.completion.chunk", delta -> delta.put("role", "assistant").put("content", ""), null));
            int[] toolIndex = {0};
            ChatResponse r = c.respond(cfg, new GenerationListener() {
                @Override
                public void onText(TextPiece piece) {
                    sse.send(chunk(id, "chat.completion.chunk",
                            d -> d.put(piece.isReasoning() ? "reasoning_content" : "content", piece.text()), null));
                }

                @Override
                public void onToolCall(ToolCall call) {
                    int index = toolIndex[0]++;
                    sse.send(chunk(id, "chat.completion.chunk", d -> d.putArray("tool_calls").add(toolCall(call, index)), null));
                }
            });
            String finish = finish(r.finishReason(), r.hasToolCalls());
            outcome.usage(r.usage(), finish);
            sse.send(chunk(id, "chat.completion.chunk", d -> { }, finish));
            if (chat.common().includeUsage()) {
                ObjectNode u = envelope(id, "chat.completion.chunk");
                u.putArray("choices");
                u.set("usage", usage(r.usage()));
                sse.send(u);
            }
            sse.done();
        });
    }

    private void completions(HttpExchange ex, Outcome outcome) throws ApiError {
        JsonNode req = Requests.parseBody(readBody(ex));
        Requests.checkModel(req, config.modelName());
        Requests.Completion comp = Requests.completion(req, defaults());
        int[] ids = comp.ids() != null ? comp.ids() : model.tokenizer().encode(comp.text());
        GenerationConfig cfg = withMaxTokens(comp.common(), ids.length);
        String id = "cmpl-" + randomId();
        runAdmitted(ids, cfg, session -> {
            if (!comp.common().stream()) {
                GenerationResult r = session.generate(ids, cfg, GenerationListener.NONE);
                String finish = finish(r.finishReason(), false);
                outcome.usage(r.usage(), finish);
                ObjectNode body = envelope(id, "text_completion");
                body.putArray("choices").addObject().put("index", 0).put("text", r.text()).putNull("logprobs")
                        .put("finish_reason", finish);
                body.set("usage", usage(r.usage()));
                sendJson(ex, 200, body, outcome);
                return;
            }
            outcome.stream = true;
            Sse sse = new Sse(ex, session, outcome);
            GenerationResult r = session.generate(ids, cfg, piece -> sse.send(completionChunk(id, piece.text(), null)));
            String finish = finish(r.finishReason(), false);
            outcome.usage(r.usage(), finish);
            sse.send(completionChunk(id, "", finish));
            if (comp.common().includeUsage()) {
                ObjectNode u = envelope(id, "text_completion");
                u.putArray("choices");
                u.set("usage", usage(r.usage()));
                sse.send(u);
            }
            sse.done();
        });
    }

    private ObjectNode completionChunk(String id, String text, String finish) {
        ObjectNode c = envelope(id, "text_completion");
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0).put("text", text);
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    /** The request's max tokens (or the default) after checking it fits the context with the prompt. */
    /** The model's sampling defaults with the server's speculative-decoding setting. */
    private GenerationConfig defaults() {
        return model.generationDefaults().toBuilder().mtpDraftTokens(config.mtpDraftTokens()).build();
    }

    private GenerationConfig withMaxTokens(Requests.Common common, int promptTokens) {
        int context = model.contextLength();
        int max;
        if (common.maxTokens() != null) {
            max = common.maxTokens();
        } else {
            max = context - promptTokens;
            if (config.defaultMaxTokens() > 0) {
                max = Math.min(max, config.defaultMaxTokens());
            }
        }
        if (max < 1 || (long) promptTokens + max > context) {
            throw ApiError.badRequest("context_length_exceeded", "messages", "This model's maximum context length is "
                    + context + " tokens. However, you requested " + ((long) promptTokens + Math.max(max, 1))
                    + " tokens (" + promptTokens + " in the prompt, " + Math.max(max, 1) + " for the completion).");
        }
        GenerationConfig cfg = common.config().maxTokens(max).build();
        // refuse (400) a sequence that could never fit in memory, before queueing it
        model.requireFits(promptTokens + max, cfg.mtpDraftTokens() > 0);
        return cfg;
    }

    @FunctionalInterface
    private interface Job {
        void run(Session session) throws ApiError;
    }

    private void runAdmitted(int[] prompt, GenerationConfig cfg, Job job) {
        admission.acquire();
        Session s = null;
        try {
            s = sessions.take(prompt);
            s.admit(prompt, cfg); // reserves the sequence's memory, or refuses (503) before any response is sent
            job.run(s);
        } finally {
            if (s != null) {
                sessions.give(s);
            }
            admission.release();
        }
    }

    // ---- JSON pieces

    private ObjectNode envelope(String id, String object) {
        return Requests.JSON.createObjectNode().put("id", id).put("object", object)
                .put("created", System.currentTimeMillis() / 1000).put("model", config.modelName());
    }

    private ObjectNode chunk(String id, String object, Consumer<ObjectNode> delta, String finish) {
        ObjectNode c = envelope(id, object);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        delta.accept(choice.putObject("delta"));
        choice.putNull("logprobs");
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return c;
    }

    /** The assistant message of a non-streaming answer. */
    static ObjectNode message(ChatResponse r) {
        ObjectNode m = Requests.JSON.createObjectNode().put("role", "assistant");
        if (r.hasToolCalls() && r.content().isEmpty()) {
            m.putNull("content");
        } else {
            m.put("content", r.content());
        }
        if (!r.reasoning().isEmpty()) {
            m.put("reasoning_content", r.reasoning());
        }
        if (r.hasToolCalls()) {
            ArrayNode calls = m.putArray("tool_calls");
            for (ToolCall c : r.toolCalls()) {
                ObjectNode n = toolCall(c, -1);
                calls.add(n);
            }
        }
        return m;
    }

    static ObjectNode toolCall(ToolCall c, int index) {
        ObjectNode n = Requests.JSON.createObjectNode();
        if (index >= 0) {
            n.put("index", index);
        }
        n.put("id", c.id()).put("type", "function");
        n.putObject("function").put("name", c.name()).put("arguments", c.arguments());
        return n;
    }

    static String finish(FinishReason reason, boolean toolCalls) {
        return reason == FinishReason.STOP && toolCalls ? "tool_calls" : reason.wireName();
    }

    private static ObjectNode usage(Usage u) {
        ObjectNode n = Requests.JSON.createObjectNode().put("prompt_tokens", u.promptTokens())
                .put("completion_tokens", u.completionTokens()).put("total_tokens", u.totalTokens());
        n.putObject("prompt_tokens_details").put("cached_tokens", u.cachedPromptTokens());
        return n;
    }

    private static String randomId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    // ---- HTTP plumbing

    private byte[] readBody(HttpExchange ex) {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        long limit = config.maxBodyBytes();
        boolean tooLarge = false;
        if (declared != null) {
            try {
                tooLarge = Long.parseLong(declared.trim()) > limit;
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(null, "bad Content-Length header");
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long drainCap = Math.max(16L << 20, 4 * limit); // read (and drop) an oversized body so the client sees the 413
        long total = 0;
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b)) > 0) {
                total += n;
                if (total > limit) {
                    tooLarge = true;
                }
                if (!tooLarge) {
                    buf.write(b, 0, n);
                } else if (total > drainCap) {
                    break;
                }
            }
        } catch (IOException e) {
            throw ApiError.badRequest(null, "cannot read the request body: " + e.getMessage());
        }
        if (tooLarge) {
            throw new ApiError(413, "invalid_request_error", "request_too_large", null,
                    "the request body is larger than " + limit + " bytes (--max-body)");
        }
        return buf.toByteArray();
    }

    private static void sendJson(HttpExchange ex, int status, ObjectNode body, Outcome outcome) {
        try {
            byte[] bytes = Requests.JSON.writeValueAsBytes(body);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            outcome.status = status;
            outcome.headersSent = true;
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            // the client went away; nothing to tell it
        }
    }

    private static void sendError(HttpExchange ex, ApiError e, Outcome outcome) {
        ObjectNode err = Requests.JSON.createObjectNode();
        ObjectNode o = err.putObject("error").put("message", e.getMessage()).put("type", e.type);
        if (e.param == null) {
            o.putNull("param");
        } else {
            o.put("param", e.param);
        }
        if (e.code == null) {
            o.putNull("code");
        } else {
            o.put("code", e.code);
        }
        if (outcome.headersSent) {
            if (outcome.stream) { // mid-stream: an error event, then the end
                try {
                    OutputStream out = ex.getResponseBody();
                    out.write(("data: " + Requests.JSON.writeValueAsString(err) + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                } catch (IOException ignored) {
                    // disconnected
                }
            }
            return;
        }
        if (e.status == 429 || e.status == 503) {
            ex.getResponseHeaders().set("Retry-After", "1");
        }
        sendJson(ex, e.status, err, outcome);
    }

    /** Server-sent events; a failed write (client gone) cancels the session's generation. */
    private static final class Sse {
        private final Session session;
        private final OutputStream out;
        private boolean broken;

        Sse(HttpExchange ex, Session session, Outcome outcome) {
            this.session = session;
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            outcome.status = 200;
            outcome.headersSent = true;
            OutputStream o = null;
            try {
                ex.sendResponseHeaders(200, 0);
                o = ex.getResponseBody();
            } catch (IOException e) {
                broken = true;
                session.cancel();
            }
            this.out = o;
        }

        void send(ObjectNode event) {
            try {
                write("data: " + Requests.JSON.writeValueAsString(event) + "\n\n");
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        void done() {
            write("data: [DONE]\n\n");
        }

        private void write(String s) {
            if (broken) {
                return;
            }
            try {
                out.write(s.getBytes(StandardCharsets.UTF_8));
                out.flush();
            } catch (IOException e) {
                broken = true;
                session.cancel(); // the client disconnected: stop generating for it
            }
        }
    }
}
