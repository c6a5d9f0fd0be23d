package dev.nextinfer.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.ToolCall;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Parses and validates OpenAI request bodies into engine types; every problem is a 400 naming the field. */
final class Requests {
    static final ObjectMapper JSON = Wire.JSON;

    private Requests() {
    }

    /** Fields common to both endpoints. */
    record Common(GenerationConfig.Builder config, Integer maxTokens, boolean stream, boolean includeUsage) {
    }

    /** A chat completion request. */
    record Chat(List<ChatMessage> messages, ChatOptions options, Common common) {
    }

    /** A completion request: text or token ids. */
    record Completion(String text, int[] ids, Common common) {
    }

    static JsonNode parseBody(byte[] body) {
        if (body.length == 0) {
            throw ApiError.badRequest(null, "the request body is empty: expected a JSON object");
        }
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                throw ApiError.badRequest(null, "the request body must be a JSON object");
            }
            return n;
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiError.badRequest(null, "the request body is not valid JSON" + where + ": " + e.getOriginalMessage().split("\\R", 2)[0]);
        } catch (java.io.IOException e) {
            throw ApiError.badRequest(null, "cannot read the request body: " + e.getMessage());
        }
    }

    /** Checks {@code model} (absent is accepted: the server serves one model). */
    static void checkModel(JsonNode req, String modelName) {
        JsonNode m = req.get("model");
        if (m != null && !m.isNull()) {
            if (!m.isTextual()) {
                throw ApiError.badRequest("model", "'model' must be a string");
            }
            if (!m.asText().equals(modelName)) {
                throw new ApiError(404, "invalid_request_error", "model_not_found", "model",
                        "The model '" + m.asText() + "' does not exist; this server serves '" + modelName + "'");
            }
        }
    }

    static Chat chat(JsonNode req, GenerationConfig defaults) {
        JsonNode msgs = req.get("messages");
        if (msgs == null || !msgs.isArray() || msgs.isEmpty()) {
            throw ApiError.badRequest("messages", "'messages' must be a non-empty array");
        }
        List<ChatMessage> messages = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            messages.add(message(msgs.get(i), "messages[" + i + "]"));
        }
        ChatOptions.Builder opts = ChatOptions.builder();
        JsonNode tools = req.get("tools");
        String toolChoice = "auto";
        JsonNode tc = req.get("tool_choice");
        if (tc != null && !tc.isNull()) {
            if (tc.isTextual()) {
                toolChoice = tc.asText();
                if (!List.of("none", "auto", "required").contains(toolChoice)) {
                    throw ApiError.badRequest("tool_choice", "'tool_choice' must be none, auto, required or an object");
                }
            } else if (!tc.isObject()) {
                throw ApiError.badRequest("tool_choice", "'tool_choice' must be none, auto, required or an object");
            }
        }
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw ApiError.badRequest("tools", "'tools' must be an array");
            }
            List<Map<String, Object>> list = new ArrayList<>();
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                if (!t.isObject() || !t.path("function").path("name").isTextual()) {
                    throw ApiError.badRequest("tools[" + i + "]", "each tool must be {\"type\": \"function\", \"function\": {\"name\": …}}");
                }
                list.add(tree(t));
            }
            if (!toolChoice.equals("none")) {
                opts.tools(list);
            }
        }
        JsonNode kwargs = req.get("chat_template_kwargs");
        if (kwargs != null && !kwargs.isNull()) {
            if (!kwargs.isObject()) {
                throw ApiError.badRequest("chat_template_kwargs", "'chat_template_kwargs' must be an object");
            }
            opts.templateContext(tree(kwargs));
        }
        JsonNode rf = req.get("response_format");
        if (rf != null && !rf.isNull() && !rf.path("type").asText("text").equals("text")) {
            throw ApiError.badRequest("response_format", "response_format '" + rf.path("type").asText() + "' is not supported (only text)");
        }
        return new Chat(messages, opts.build(), common(req, defaults, true));
    }

    static Completion completion(JsonNode req, GenerationConfig defaults) {
        JsonNode p = req.get("prompt");
        String text = null;
        int[] ids = null;
        if (p == null || p.isNull()) {
            throw ApiError.badRequest("prompt", "'prompt' is required");
        } else if (p.isTextual()) {
            text = p.asText();
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isTextual()) {
            if (p.size() != 1) {
                throw ApiError.badRequest("prompt", "only one prompt per request is supported");
            }
            text = p.get(0).asText();
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isArray()) {
            if (p.size() != 1) {
                throw ApiError.badRequest("prompt", "only one prompt per request is supported");
            }
            ids = ids(p.get(0));
        } else if (p.isArray() && !p.isEmpty()) {
            ids = ids(p);
        } else {
            throw ApiError.badRequest("prompt", "'prompt' must be a string, an array of one string, or token ids");
        }
        if (req.path("echo").asBoolean(false)) {
            throw ApiError.badRequest("echo", "'echo' is not supported");
        }
        if (req.hasNonNull("suffix")) {
            throw ApiError.badRequest("suffix", "'suffix' is not supported");
        }
        if (req.has("best_of") && !req.get("best_of").isNull() && req.get("best_of").asInt() != 1) {
            throw ApiError.badRequest("best_of", "only best_of = 1 is supported");
        }
        return new Completion(text, ids, common(req, defaults, false));
    }

    private static int[] ids(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            if (!a.get(i).canConvertToInt()) {
                throw ApiError.badRequest("prompt", "prompt token ids must be integers");
            }
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    private static Common common(JsonNode req, GenerationConfig defaults, boolean chat) {
        JsonNode n = req.get("n");
        if (n != null && !n.isNull() && (!n.canConvertToInt() || n.asInt() != 1)) {
            throw ApiError.badRequest("n", "only n = 1 is supported");
        }
        JsonNode lp = req.get("logprobs");
        if (lp != null && ((lp.isBoolean() && lp.asBoolean()) || (lp.isNumber() && lp.asInt() > 0))) {
            throw ApiError.badRequest("logprobs", "'logprobs' is not supported");
        }
        GenerationConfig.Builder b = defaults.toBuilder();
        Integer maxTokens = null;
        for (String f : chat ? new String[] {"max_completion_tokens", "max_tokens"} : new String[] {"max_tokens"}) {
            JsonNode v = req.get(f);
            if (v != null && !v.isNull()) {
                if (!v.canConvertToInt() || v.asInt() < 1) {
                    throw ApiError.badRequest(f, "'" + f + "' must be a positive integer");
                }
                maxTokens = v.asInt();
                break;
            }
        }
        Double t = number(req, "temperature", 0, 2);
        if (t != null) {
            b.temperature(t);
        }
        Double topP = number(req, "top_p", 0, 1);
        if (topP != null) {
            if (topP == 0) {
                throw ApiError.badRequest("top_p", "'top_p' must be in (0, 1]");
            }
            b.topP(topP);
        }
        JsonNode topK = req.get("top_k");
        if (topK != null && !topK.isNull()) {
            if (!topK.canConvertToInt() || topK.asInt() < -1) {
                throw ApiError.badRequest("top_k", "'top_k' must be an integer ≥ -1 (-1 or 0 = off)");
            }
            b.topK(Math.max(0, topK.asInt()));
        }
        Double minP = number(req, "min_p", 0, 1);
        if (minP != null) {
            b.minP(minP);
        }
        Double pres = number(req, "presence_penalty", -2, 2);
        if (pres != null) {
            b.presencePenalty(pres);
        }
        Double freq = number(req, "frequency_penalty", -2, 2);
        if (freq != null) {
            b.frequencyPenalty(freq);
        }
        Double rep = number(req, "repetition_penalty", 0, 10);
        if (rep != null) {
            b.repetitionPenalty(rep);
        }
        JsonNode seed = req.get("seed");
        if (seed != null && !seed.isNull()) {
            if (!seed.canConvertToLong()) {
                throw ApiError.badRequest("seed", "'seed' must be an integer");
            }
            b.seed(seed.asLong());
        }
        JsonNode stop = req.get("stop");
        if (stop != null && !stop.isNull()) {
            List<String> stops = new ArrayList<>();
            if (stop.isTextual()) {
                stops.add(stop.asText());
            } else if (stop.isArray()) {
                for (JsonNode s : stop) {
                    if (!s.isTextual()) {
                        throw ApiError.badRequest("stop", "'stop' must be a string or an array of strings");
                    }
                    stops.add(s.asText());
                }
            } else {
                throw ApiError.badRequest("stop", "'stop' must be a string or an array of strings");
            }
            stops.removeIf(String::isEmpty);
            b.stopStrings(stops);
        }
        JsonNode stream = req.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw ApiError.badRequest("stream", "'stream' must be a boolean");
        }
        boolean includeUsage = req.path("stream_options").path("include_usage").asBoolean(false);
        try {
            b.build(); // validates the combination now, as a 400
        } catch (NextInferException e) {
            throw ApiError.badRequest(null, e.getMessage());
        }
        return new Common(b, maxTokens, stream != null && stream.asBoolean(), includeUsage);
    }

    private static Double number(JsonNode req, String field, double min, double max) {
        JsonNode v = req.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw ApiError.badRequest(field, "'" + field + "' must be a number in [" + fmt(min) + ", " + fmt(max) + "]");
        }
        return v.asDouble();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) {
            throw ApiError.badRequest(where, where + " must be an object");
        }
        String role = m.path("role").asText("");
        if (role.equals("developer")) {
            role = "system";
        }
        if (!List.of("system", "user", "assistant", "tool").contains(role)) {
            throw ApiError.badRequest(where + ".role", where + ".role must be system, developer, user, assistant or tool, got '"
                    + m.path("role").asText() + "'");
        }
        String content = content(m.get("content"), where + ".content");
        String reasoning = m.hasNonNull("reasoning_content") ? m.get("reasoning_content").asText() : null;
        List<ToolCall> calls = new ArrayList<>();
        JsonNode tcs = m.get("tool_calls");
        if (tcs != null && !tcs.isNull()) {
            if (!tcs.isArray()) {
                throw ApiError.badRequest(where + ".tool_calls", where + ".tool_calls must be an array");
            }
            for (int i = 0; i < tcs.size(); i++) {
                JsonNode c = tcs.get(i);
                JsonNode fn = c.path("function");
                String w = where + ".tool_calls[" + i + "]";
                if (!fn.path("name").isTextual()) {
                    throw ApiError.badRequest(w, w + ".function.name is required");
                }
                JsonNode args = fn.get("arguments");
                String argsJson;
                try {
                    JsonNode parsed = args == null || args.isNull() ? JSON.createObjectNode()
                            : args.isTextual() ? JSON.readTree(args.asText()) : args;
                    if (parsed == null || !parsed.isObject()) {
                        throw ApiError.badRequest(w, w + ".function.arguments must be a JSON object (as a string)");
                    }
                    argsJson = JSON.writeValueAsString(parsed);
                } catch (JsonProcessingException e) {
                    throw ApiError.badRequest(w, w + ".function.arguments is not valid JSON");
                }
                calls.add(new ToolCall(c.path("id").asText("call_" + i), fn.get("name").asText(), argsJson));
            }
        }
        String toolCallId = m.hasNonNull("tool_call_id") ? m.get("tool_call_id").asText() : null;
        return new ChatMessage(role, content, reasoning, calls, toolCallId);
    }

    /** Text content: a string, or an array of {@code {"type": "text", "text": …}} parts (joined). */
    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (Iterator<JsonNode> it = c.elements(); it.hasNext(); ) {
                JsonNode part = it.next();
                if (!part.path("type").asText().equals("text") || !part.path("text").isTextual()) {
                    throw ApiError.badRequest(where, where + ": only text parts are supported, got type '"
                            + part.path("type").asText() + "'");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiError.badRequest(where, where + " must be a string or an array of text parts");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> tree(JsonNode n) {
        return JSON.convertValue(n, Map.class);
    }
}
