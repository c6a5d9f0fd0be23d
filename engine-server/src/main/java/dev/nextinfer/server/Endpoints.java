package dev.nextinfer.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatPrompt;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.GenerationResult;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Session;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;

/**
 * The endpoints: what each does with a request and a loaded model. Requests are parsed and fully checked (fields,
 * context, memory) before they wait for a generation slot, so a refused request costs no compute.
 */
final class Endpoints {
    private final Qwen3Next model;
    private final ServerConfig config;
    private final String modelName;
    private final Admission admission;
    private final SessionPool sessions;
    private final long created = System.currentTimeMillis() / 1000;

    Endpoints(Qwen3Next model, ServerConfig config, String modelName, Admission admission, SessionPool sessions) {
        this.model = model;
        this.config = config;
        this.modelName = modelName;
        this.admission = admission;
        this.sessions = sessions;
    }

    void models(HttpExchange ex, Outcome outcome) {
        sendJson(ex, 200, Wire.modelList(modelName, created), outcome);
    }

    void model(HttpExchange ex, Outcome outcome, String id) {
        if (!id.equals(modelName)) {
            throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                    "The model '" + id + "' does not exist; this server serves '" + modelName + "'");
        }
        sendJson(ex, 200, Wire.model(modelName, created), outcome);
    }

    void health(HttpExchange ex, Outcome outcome) {
        sendJson(ex, 200, Wire.JSON.createObjectNode().put("status", admission.closed() ? "shutting_down" : "ok"), outcome);
    }

    /** A chat request checked and rendered, ready to run: everything a request can get wrong is found here. */
    record ChatJob(Requests.Chat chat, ChatPrompt prompt, GenerationConfig config) {
    }

    /** A completion request checked and tokenised, ready to run. */
    record TextJob(Requests.Completion completion, int[] ids, GenerationConfig config) {
    }

    /**
     * Parses and checks a chat request body — fields, model, chat template, context and memory — without waiting
     * for a slot: what the request fuzz test drives. Throws what the client is answered (an {@link ApiError} or a
     * {@link dev.nextinfer.core.NextInferException}, see {@link ErrorResponses#of}).
     */
    ChatJob chatJob(byte[] body) {
        JsonNode req = Requests.parseBody(body);
        Requests.checkModel(req, modelName);
        Requests.Chat chat = Requests.chat(req, defaults());
        ChatPrompt prompt = model.chatPrompt(chat.messages(), chat.options());
        return new ChatJob(chat, prompt, withMaxTokens(chat.common(), prompt.tokenIds().length));
    }

    /** As {@link #chatJob} for a completion request. */
    TextJob textJob(byte[] body) {
        JsonNode req = Requests.parseBody(body);
        Requests.checkModel(req, modelName);
        Requests.Completion comp = Requests.completion(req, defaults());
        int[] ids = comp.ids() != null ? comp.ids() : model.tokenizer().encode(comp.text());
        return new TextJob(comp, ids, withMaxTokens(comp.common(), ids.length));
    }

    void chatCompletions(HttpExchange ex, Outcome outcome) {
        ChatJob job = chatJob(HttpIo.readBody(ex, config.maxBodyBytes()));
        Requests.Chat chat = job.chat();
        GenerationConfig cfg = job.config();
        String id = Wire.randomId("chatcmpl-");
        runAdmitted(job.prompt().tokenIds(), cfg, session -> {
            Chat c = model.newChat(chat.options(), session).addAll(chat.messages());
            if (!chat.common().stream()) {
                ChatResponse r = c.respond(cfg, GenerationListener.NONE);
                String finish = Wire.finish(r.finishReason(), r.hasToolCalls());
                outcome.usage(r.usage(), finish);
                sendJson(ex, 200, Wire.chatCompletion(id, modelName, r, finish), outcome);
                return;
            }
            SseStream sse = new SseStream(ex, session, outcome);
            sse.send(Wire.chatChunk(id, modelName, delta -> delta.put("role", "assistant").put("content", ""), null));
            int[] toolIndex = {0};
            ChatResponse r = c.respond(cfg, new GenerationListener() {
                @Override
                public void onText(TextPiece piece) {
                    sse.send(Wire.chatChunk(id, modelName,
                            d -> d.put(piece.isReasoning() ? "reasoning_content" : "content", piece.text()), null));
                }

                @Override
                public void onToolCall(ToolCall call) {
                    int index = toolIndex[0]++;
                    sse.send(Wire.chatChunk(id, modelName, d -> d.putArray("tool_calls").add(Wire.toolCall(call, index)), null));
                }
            });
            String finish = Wire.finish(r.finishReason(), r.hasToolCalls());
            outcome.usage(r.usage(), finish);
            sse.send(Wire.chatChunk(id, modelName, d -> { }, finish));
            endStream(sse, id, Wire.CHAT_CHUNK, chat.common(), r.usage());
        });
    }

    void completions(HttpExchange ex, Outcome outcome) {
        TextJob job = textJob(HttpIo.readBody(ex, config.maxBodyBytes()));
        Requests.Completion comp = job.completion();
        int[] ids = job.ids();
        GenerationConfig cfg = job.config();
        String id = Wire.randomId("cmpl-");
        runAdmitted(ids, cfg, session -> {
            if (!comp.common().stream()) {
                GenerationResult r = session.generate(ids, cfg, GenerationListener.NONE);
                String finish = Wire.finish(r.finishReason(), false);
                outcome.usage(r.usage(), finish);
                sendJson(ex, 200, Wire.textCompletion(id, modelName, r.text(), r.usage(), finish), outcome);
                return;
            }
            SseStream sse = new SseStream(ex, session, outcome);
            GenerationResult r = session.generate(ids, cfg, piece -> sse.send(Wire.textChunk(id, modelName, piece.text(), null)));
            String finish = Wire.finish(r.finishReason(), false);
            outcome.usage(r.usage(), finish);
            sse.send(Wire.textChunk(id, modelName, "", finish));
            endStream(sse, id, Wire.TEXT, comp.common(), r.usage());
        });
    }

    /** The optional usage chunk, then {@code [DONE]}. */
    private void endStream(SseStream sse, String id, String object, Requests.Common common, dev.nextinfer.core.Usage usage) {
        if (common.includeUsage()) {
            sse.send(Wire.usageChunk(id, object, modelName, usage));
        }
        sse.done();
    }

    /** The model's sampling defaults with the server's speculative-decoding setting. */
    private GenerationConfig defaults() {
        return model.generationDefaults().toBuilder().mtpDraftTokens(config.mtpDraftTokens()).build();
    }

    /** The request's max tokens (or the default) after checking it fits the context, and memory, with the prompt. */
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
        void run(Session session);
    }

    /** Runs {@code job} on a pooled session once a slot is free and the sequence's memory is reserved. */
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

    static void sendJson(HttpExchange ex, int status, ObjectNode body, Outcome outcome) {
        byte[] bytes;
        try {
            bytes = Wire.JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        HttpIo.send(ex, status, "application/json", bytes, outcome);
    }
}
