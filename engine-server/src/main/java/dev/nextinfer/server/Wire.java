package dev.nextinfer.server;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.core.Usage;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * OpenAI's response JSON: answers, stream chunks, usage, models and errors. Only shapes live here: no HTTP and no
 * generation.
 */
final class Wire {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String CHAT = "chat.completion";
    static final String CHAT_CHUNK = "chat.completion.chunk";
    static final String TEXT = "text_completion";

    private Wire() {
    }

    static String randomId(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    /** {@code {"id", "object", "created", "model"}}, the head of every answer and chunk. */
    static ObjectNode envelope(String id, String object, String model) {
        return JSON.createObjectNode().put("id", id).put("object", object)
                .put("created", System.currentTimeMillis() / 1000).put("model", model);
    }

    static ObjectNode model(String name, long created) {
        return JSON.createObjectNode().put("id", name).put("object", "model").put("created", created).put("owned_by", "nextinfer");
    }

    static ObjectNode modelList(String name, long created) {
        ObjectNode body = JSON.createObjectNode().put("object", "list");
        body.putArray("data").add(model(name, created));
        return body;
    }

    /** A non-streaming chat answer. */
    static ObjectNode chatCompletion(String id, String model, ChatResponse r, String finish) {
        ObjectNode body = envelope(id, CHAT, model);
        ObjectNode choice = body.putArray("choices").addObject().put("index", 0);
        choice.set("message", message(r));
        choice.putNull("logprobs");
        choice.put("finish_reason", finish);
        body.set("usage", usage(r.usage()));
        return body;
    }

    /** A non-streaming completion answer. */
    static ObjectNode textCompletion(String id, String model, String text, Usage u, String finish) {
        ObjectNode body = textChunk(id, model, text, finish);
        body.set("usage", usage(u));
        return body;
    }

    /** A chat stream chunk: {@code delta} filled in by the caller; {@code finish} null until the last one. */
    static ObjectNode chatChunk(String id, String model, Consumer<ObjectNode> delta, String finish) {
        ObjectNode c = envelope(id, CHAT_CHUNK, model);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0);
        delta.accept(choice.putObject("delta"));
        choice.putNull("logprobs");
        finishReason(choice, finish);
        return c;
    }

    /** A completion stream chunk (also the body of a non-streaming completion, before its usage). */
    static ObjectNode textChunk(String id, String model, String text, String finish) {
        ObjectNode c = envelope(id, TEXT, model);
        ObjectNode choice = c.putArray("choices").addObject().put("index", 0).put("text", text);
        choice.putNull("logprobs");
        finishReason(choice, finish);
        return c;
    }

    /** The stream's usage chunk ({@code stream_options.include_usage}): no choices, only usage. */
    static ObjectNode usageChunk(String id, String object, String model, Usage u) {
        ObjectNode c = envelope(id, object, model);
        c.putArray("choices");
        c.set("usage", usage(u));
        return c;
    }

    private static void finishReason(ObjectNode choice, String finish) {
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
    }

    /** The assistant message of a non-streaming answer. */
    static ObjectNode message(ChatResponse r) {
        ObjectNode m = JSON.createObjectNode().put("role", "assistant");
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
                calls.add(toolCall(c, -1));
            }
        }
        return m;
    }

    /** A tool call; {@code index} ≥ 0 in stream deltas, -1 in a whole message. */
    static ObjectNode toolCall(ToolCall c, int index) {
        ObjectNode n = JSON.createObjectNode();
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

    static ObjectNode usage(Usage u) {
        ObjectNode n = JSON.createObjectNode().put("prompt_tokens", u.promptTokens())
                .put("completion_tokens", u.completionTokens()).put("total_tokens", u.totalTokens());
        n.putObject("prompt_tokens_details").put("cached_tokens", u.cachedPromptTokens());
        return n;
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    static ObjectNode error(ApiError e) {
        ObjectNode err = JSON.createObjectNode();
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
        return err;
    }
}
