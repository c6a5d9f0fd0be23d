package dev.nextinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatMessage;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.core.Usage;
import dev.nextinfer.core.testing.TextModels;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAI-compatible server over real HTTP on a free port, with the JDK's HttpClient (and a raw socket). */
class OpenAiServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String NAME = "tiny-test";
    private static final int CONTEXT = 512;

    private static Qwen3Next model;
    private static OpenAiServer server;
    private static final List<RequestLog> LOG = new CopyOnWriteArrayList<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).contextLength(CONTEXT).build());
        server = new OpenAiServer(model, config(2, 8, 64 * 1024), LOG::add);
        server.start();
    }

    /** Loopback, any free port, no key. */
    private static ServerConfig config(int parallel, int maxQueue, long maxBody) {
        return ServerConfig.builder().port(0).modelName(NAME).parallel(parallel).maxQueue(maxQueue).maxBodyBytes(maxBody).build();
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    private static URI uri(OpenAiServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.address().getPort() + path);
    }

    private static HttpResponse<String> post(OpenAiServer s, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(s, path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String path, String body) throws Exception {
        return post(server, path, body);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(server, path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    /** The data payloads of an SSE body (without the "data: " prefix). */
    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (!block.isBlank()) {
                assertTrue(block.startsWith("data: "), "event " + block);
                out.add(block.substring(6));
            }
        }
        return out;
    }

    private static String chatRequest(boolean stream, String extra) {
        return "{\"model\": \"" + NAME + "\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
                + " {\"role\": \"user\", \"content\": \"What is a state space model?\"}], \"max_tokens\": 10, \"temperature\": 0"
                + (stream ? ", \"stream\": true, \"stream_options\": {\"include_usage\": true}" : "") + extra + "}";
    }

    private static void assertError(HttpResponse<String> r, int status, String code, String param) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode e = json(r).get("error");
        assertNotNull(e, r.body());
        assertTrue(e.get("message").isTextual() && !e.get("message").asText().isEmpty());
        assertTrue(e.get("type").isTextual());
        assertEquals(code == null ? "null" : code, e.get("code").isNull() ? "null" : e.get("code").asText(), r.body());
        assertEquals(param == null ? "null" : param, e.get("param").isNull() ? "null" : e.get("param").asText(), r.body());
    }

    @Test
    void listsTheModel() throws Exception {
        HttpResponse<String> r = get("/v1/models");
        assertEquals(200, r.statusCode());
        JsonNode body = json(r);
        assertEquals("list", body.get("object").asText());
        assertEquals(NAME, body.get("data").get(0).get("id").asText());
        assertEquals("model", body.get("data").get(0).get("object").asText());
        assertEquals(200, get("/v1/models/" + NAME).statusCode());
        assertError(get("/v1/models/gpt-4"), 404, "model_not_found", "model");
        assertEquals("ok", json(get("/health")).get("status").asText());
    }

    @Test
    void chatCompletionMatchesTheLibraryAndStreamingMatchesNonStreaming() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", chatRequest(false, ""));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("chat.completion", body.get("object").asText());
        assertTrue(body.get("id").asText().startsWith("chatcmpl-"));
        assertEquals(NAME, body.get("model").asText());
        JsonNode choice = body.get("choices").get(0);
        assertEquals("assistant", choice.get("message").get("role").asText());
        assertEquals("length", choice.get("finish_reason").asText());
        String content = choice.get("message").get("content").asText();

        // the same conversation through the Java API
        Chat chat = model.newChat(ChatOptions.builder().system("Be brief.").build());
        ChatResponse want = chat.send("What is a state space model?", GenerationConfig.builder().maxTokens(10).build());
        assertEquals(want.content(), content);
        JsonNode usage = body.get("usage");
        assertEquals(want.usage().promptTokens(), usage.get("prompt_tokens").asInt());
        assertEquals(10, usage.get("completion_tokens").asInt());
        assertEquals(want.usage().promptTokens() + 10, usage.get("total_tokens").asInt());

        HttpResponse<String> s = post("/v1/chat/completions", chatRequest(true, ""));
        assertEquals(200, s.statusCode());
        assertTrue(s.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> ev = events(s.body());
        assertEquals("[DONE]", ev.getLast());
        JsonNode first = JSON.readTree(ev.getFirst());
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.get("choices").get(0).get("delta").get("role").asText());
        StringBuilder streamed = new StringBuilder();
        String finish = null;
        JsonNode usageChunk = null;
        for (String e : ev.subList(0, ev.size() - 1)) {
            JsonNode c = JSON.readTree(e);
            assertEquals(first.get("id").asText(), c.get("id").asText());
            if (c.get("choices").isEmpty()) {
                usageChunk = c.get("usage");
                continue;
            }
            JsonNode ch = c.get("choices").get(0);
            if (ch.get("delta").has("content")) {
                streamed.append(ch.get("delta").get("content").asText());
            }
            if (!ch.get("finish_reason").isNull()) {
                finish = ch.get("finish_reason").asText();
            }
        }
        assertEquals(content, streamed.toString());
        assertEquals("length", finish);
        assertNotNull(usageChunk);
        assertEquals(usage.get("prompt_tokens").asInt(), usageChunk.get("prompt_tokens").asInt());
        assertEquals(10, usageChunk.get("completion_tokens").asInt());
    }

    @Test
    void completionsWithTextOrIdsStreamingOrNot() throws Exception {
        String prompt = "The recurrent state of a linear attention layer";
        int[] ids = model.tokenizer().encode(prompt);
        String want = model.newSession().generate(ids, GenerationConfig.builder().maxTokens(12).build(), GenerationListener.NONE).text();
        HttpResponse<String> r = post("/v1/completions", "{\"model\": \"" + NAME + "\", \"prompt\": " + JSON.writeValueAsString(prompt)
                + ", \"max_tokens\": 12, \"temperature\": 0}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = json(r);
        assertEquals("text_completion", body.get("object").asText());
        assertEquals(want, body.get("choices").get(0).get("text").asText());
        assertEquals(ids.length, body.get("usage").get("prompt_tokens").asInt());

        HttpResponse<String> byIds = post("/v1/completions", "{\"prompt\": " + JSON.writeValueAsString(ids) + ", \"max_tokens\": 12, \"temperature\": 0}");
        assertEquals(want, json(byIds).get("choices").get(0).get("text").asText());

        HttpResponse<String> s = post("/v1/completions", "{\"prompt\": " + JSON.writeValueAsString(prompt)
                + ", \"max_tokens\": 12, \"temperature\": 0, \"stream\": true}");
        List<String> ev = events(s.body());
        assertEquals("[DONE]", ev.getLast());
        StringBuilder sb = new StringBuilder();
        for (String e : ev.subList(0, ev.size() - 1)) {
            sb.append(JSON.readTree(e).get("choices").get(0).get("text").asText());
        }
        assertEquals(want, sb.toString());
        assertEquals("length", JSON.readTree(ev.get(ev.size() - 2)).get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void seedStopAndSamplingFieldsAreHonoured() throws Exception {
        String req = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 16, \"temperature\": 1.0, \"top_p\": 0.9, \"seed\": 7}";
        String a = json(post("/v1/completions", req)).get("choices").get(0).get("text").asText();
        String b = json(post("/v1/completions", req)).get("choices").get(0).get("text").asText();
        assertEquals(a, b);
        String c = json(post("/v1/completions", req.replace("\"seed\": 7", "\"seed\": 8"))).get("choices").get(0).get("text").asText();
        assertFalse(a.equals(c));

        String greedy = json(post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 16, \"temperature\": 0}"))
                .get("choices").get(0).get("text").asText();
        assertTrue(greedy.length() > 8, greedy);
        String stop = greedy.substring(5, 7);
        int cut = greedy.indexOf(stop);
        JsonNode stopped = json(post("/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 16, \"temperature\": 0, \"stop\": ["
                + JSON.writeValueAsString(stop) + "]}"));
        assertEquals(greedy.substring(0, cut), stopped.get("choices").get(0).get("text").asText());
        assertEquals("stop", stopped.get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void errorsHaveOpenAisShapeAndStatus() throws Exception {
        assertError(post("/v1/chat/completions", "{\"messages\": [oops"), 400, null, null);
        assertError(post("/v1/chat/completions", "[1, 2]"), 400, null, null);
        assertError(post("/v1/chat/completions", chatRequest(false, "").replace(NAME, "gpt-4o")), 404, "model_not_found", "model");
        assertError(post("/v1/chat/completions", chatRequest(false, ", \"n\": 2")), 400, null, "n");
        assertError(post("/v1/chat/completions", chatRequest(false, "").replace("\"temperature\": 0", "\"temperature\": 7")), 400, null, "temperature");
        assertError(post("/v1/chat/completions", "{\"messages\": []}"), 400, null, "messages");
        assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}"), 400, null, "messages[0].role");
        assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}"), 400, null, "messages[0].content");
        String longText = "token ".repeat(600);
        assertError(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"" + longText + "\"}], \"max_tokens\": 5}"),
                400, "context_length_exceeded", "messages");
        assertError(post("/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": " + CONTEXT + "}"), 400, "context_length_exceeded", "messages");
        assertError(post("/v1/completions", "{\"prompt\": \"" + "x".repeat(70 * 1024) + "\"}"), 413, "request_too_large", null);
        assertError(post("/v1/embeddings", "{}"), 404, "not_found", null);
        assertError(get("/v1/chat/completions"), 405, "method_not_allowed", null);
        assertError(post("/v1/completions", "{\"prompt\": \"hi\", \"logprobs\": 2}"), 400, null, "logprobs");
        assertError(post("/v1/chat/completions", chatRequest(false, ", \"response_format\": {\"type\": \"json_object\"}")), 400, null, "response_format");
        // refused requests never reach the model: every logged one is an error
        for (RequestLog l : LOG) {
            if (l.status() >= 400) {
                assertEquals(null, l.finishReason());
            }
        }
    }

    @Test
    void requestThatCannotFitInMemoryGets400AndTheServerKeepsServing() throws Exception {
        // memory for the weights, scratch and one plain sequence of ~9 pages; speculative decoding (--mtp) also fills
        // the MTP head's cache, so a request for the whole context does not fit with it
        dev.nextinfer.core.MemoryEstimate e = model.memoryEstimate(0, false);
        long page = model.memoryEstimate(64, false).kvBytes();
        long limit = e.totalBytes() + 9 * page + page / 2;
        try (Qwen3Next tight = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).memoryLimit(limit).build());
             OpenAiServer s = new OpenAiServer(tight, config(2, 8, 64 * 1024).toBuilder().mtpDraftTokens(1).build(), l -> { })) {
            s.start();
            assertEquals(576, tight.contextLength(), "the default context is what fits in memory");
            HttpResponse<String> r = post(s, "/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 500, \"temperature\": 0}");
            assertError(r, 400, "insufficient_memory", "max_tokens");
            assertTrue(json(r).get("error").get("message").asText().contains("positions need"), r.body());
            HttpResponse<String> ok = post(s, "/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 4, \"temperature\": 0}");
            assertEquals(200, ok.statusCode(), ok.body());
            assertError(post(s, "/v1/completions", "{\"prompt\": \"hi\", \"max_tokens\": 600}"), 400, "context_length_exceeded", "messages");
        }
    }

    @Test
    void eightConcurrentClientsGetTheirSequentialResults() throws Exception {
        List<String> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add("{\"messages\": [{\"role\": \"user\", \"content\": \"Question number " + i + "\"}], \"max_tokens\": 8,"
                    + " \"temperature\": 0.8, \"seed\": " + (100 + i) + (i % 2 == 0 ? ", \"stream\": true" : "") + "}");
        }
        List<String> sequential = new ArrayList<>();
        for (String r : requests) {
            HttpResponse<String> resp = post("/v1/chat/completions", r);
            assertEquals(200, resp.statusCode(), resp.body());
            sequential.add(resp.body().contains("data: ") ? streamedContent(resp.body()) : json(resp).get("choices").get(0).get("message").get("content").asText());
        }
        List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
        for (String r : requests) {
            futures.add(HTTP.sendAsync(HttpRequest.newBuilder(uri(server, "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(r)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> resp = futures.get(i).get();
            assertEquals(200, resp.statusCode(), resp.body());
            String got = i % 2 == 0 ? streamedContent(resp.body()) : json(resp).get("choices").get(0).get("message").get("content").asText();
            assertEquals(sequential.get(i), got, "client " + i);
        }
    }

    private static String streamedContent(String body) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String e : events(body)) {
            if (!e.equals("[DONE]")) {
                JsonNode d = JSON.readTree(e).get("choices").get(0).get("delta");
                if (d.has("content")) {
                    sb.append(d.get("content").asText());
                }
            }
        }
        return sb.toString();
    }

    @Test
    void toolsAndToolResultsReachTheTemplate() throws Exception {
        String tools = "[{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather of a city\","
                + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]";
        String messages = "[{\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
                + " {\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\","
                + " \"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]},"
                + " {\"role\": \"tool\", \"tool_call_id\": \"call_1\", \"content\": \"18°C\"}]";
        HttpResponse<String> r = post("/v1/chat/completions", "{\"messages\": " + messages + ", \"tools\": " + tools
                + ", \"tool_choice\": \"auto\", \"max_tokens\": 4, \"temperature\": 0}");
        assertEquals(200, r.statusCode(), r.body());
        List<ChatMessage> msgs = List.of(ChatMessage.user("Weather in Paris?"),
                ChatMessage.assistant("", null, List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.tool("call_1", "18°C"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> toolTree = JSON.readValue(tools, List.class);
        int withTools = model.chatPrompt(msgs, ChatOptions.builder().tools(toolTree).build()).tokenIds().length;
        assertEquals(withTools, json(r).get("usage").get("prompt_tokens").asInt());
        HttpResponse<String> none = post("/v1/chat/completions", "{\"messages\": " + messages + ", \"tools\": " + tools
                + ", \"tool_choice\": \"none\", \"max_tokens\": 4, \"temperature\": 0}");
        assertEquals(model.chatPrompt(msgs, ChatOptions.defaults()).tokenIds().length, json(none).get("usage").get("prompt_tokens").asInt());
        assertTrue(withTools > json(none).get("usage").get("prompt_tokens").asInt());
    }

    @Test
    void answerJsonCarriesToolCallsAndReasoning() {
        ChatResponse r = new ChatResponse("", "Thinking about it.", List.of(new ToolCall("call_9", "f", "{\"a\":1}")),
                FinishReason.STOP, new Usage(5, 0, 7, 1, 1, 0, 0), new int[7]);
        JsonNode m = Wire.message(r);
        assertTrue(m.get("content").isNull());
        assertEquals("Thinking about it.", m.get("reasoning_content").asText());
        JsonNode call = m.get("tool_calls").get(0);
        assertEquals("call_9", call.get("id").asText());
        assertEquals("function", call.get("type").asText());
        assertEquals("f", call.get("function").get("name").asText());
        assertEquals("{\"a\":1}", call.get("function").get("arguments").asText());
        assertEquals("tool_calls", Wire.finish(FinishReason.STOP, true));
        assertEquals("length", Wire.finish(FinishReason.LENGTH, true));
        JsonNode plain = Wire.message(new ChatResponse("Hi", "", List.of(), FinishReason.STOP, r.usage(), new int[1]));
        assertEquals("Hi", plain.get("content").asText());
        assertFalse(plain.has("tool_calls"));
        assertFalse(plain.has("reasoning_content"));
    }

    @Test
    void overloadGets429AndADisconnectCancelsTheGeneration() throws Exception {
        List<RequestLog> log = new CopyOnWriteArrayList<>();
        try (OpenAiServer busy = new OpenAiServer(model, config(1, 0, 1 << 20), log::add)) {
            busy.start();
            try (Socket _ = startStream(busy, 3)) {
                // the only slot is taken and no one may wait: 429
                HttpResponse<String> refused = post(busy, "/v1/chat/completions", chatRequest(false, ""));
                assertError(refused, 429, "rate_limit_exceeded", null);
                assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            } // the client disconnects mid-stream
            RequestLog streamed = null;
            for (int i = 0; i < 600 && streamed == null; i++) {
                for (RequestLog l : log) {
                    if (l.stream()) {
                        streamed = l;
                    }
                }
                Thread.sleep(50);
            }
            assertNotNull(streamed, "the streaming request ended");
            assertEquals("cancelled", streamed.finishReason());
            assertTrue(streamed.completionTokens() < 400, "stopped early: " + streamed.completionTokens());
            // and the slot is free again
            assertEquals(200, post(busy, "/v1/chat/completions", chatRequest(false, "")).statusCode());
        }
    }

    /** Opens a streaming request on a raw socket and returns once {@code events} data lines have arrived. */
    private static Socket startStream(OpenAiServer s, int events) throws Exception {
        byte[] body = ("{\"messages\": [{\"role\": \"user\", \"content\": \"Go on forever\"}], \"max_tokens\": 400,"
                + " \"temperature\": 0, \"stream\": true}").getBytes(StandardCharsets.UTF_8);
        Socket socket = new Socket("127.0.0.1", s.address().getPort());
        OutputStream o = socket.getOutputStream();
        o.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(body);
        o.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line;
        int seen = 0;
        while (seen < events && (line = in.readLine()) != null) {
            if (line.startsWith("data: ")) {
                seen++;
            }
        }
        assertEquals(events, seen, "the stream started");
        return socket;
    }

    @Test
    void queuedRequestsGet503WhenTheServerShutsDown() throws Exception {
        OpenAiServer s = new OpenAiServer(model, config(1, 4, 1 << 20), r -> { });
        s.start();
        try (Socket running = startStream(s, 2)) {
            CompletableFuture<HttpResponse<String>> queued = HTTP.sendAsync(HttpRequest.newBuilder(uri(s, "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(chatRequest(false, ""))).build(), HttpResponse.BodyHandlers.ofString());
            for (int i = 0; i < 1200 && s.waiting() == 0; i++) {
                Thread.sleep(10);
            }
            assertEquals(1, s.waiting(), "the second request waits for the slot");
            s.close();
            assertError(queued.get(), 503, "service_unavailable", null);
            assertTrue(running.isConnected());
        }
    }

    @Test
    void internalErrorsDuringAShutdownAre503() {
        IllegalStateException closedUnderIt = new IllegalStateException("Already closed");
        assertEquals(500, ErrorResponses.of(closedUnderIt, false).status);
        ApiError during = ErrorResponses.of(closedUnderIt, true);
        assertEquals(503, during.status, "a load balancer retries it on another replica");
        assertEquals(Admission.shuttingDown().getMessage(), during.getMessage());
        assertEquals(400, ErrorResponses.of(ApiError.badRequest(null, "bad"), true).status, "the request's own errors keep their status");
    }

    @Test
    void admissionQueuesThenRefusesAndShutsDown() throws Exception {
        Admission a = new Admission(1, 1);
        a.acquire();
        CompletableFuture<Void> waiter = CompletableFuture.runAsync(a::acquire);
        while (a.waiting() == 0) {
            Thread.sleep(5);
        }
        ApiError full = org.junit.jupiter.api.Assertions.assertThrows(ApiError.class, a::acquire);
        assertEquals(429, full.status);
        a.release();
        waiter.get();
        a.close();
        assertEquals(503, org.junit.jupiter.api.Assertions.assertThrows(ApiError.class, a::acquire).status);
    }
}
