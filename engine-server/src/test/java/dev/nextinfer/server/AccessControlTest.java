package dev.nextinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The API key, /health without it, the Prometheus /metrics, and the warning for an exposed server without a key. */
class AccessControlTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "sk-test-0123456789";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static Qwen3Next model;
    private static OpenAiServer server;

    @BeforeAll
    static void start() throws Exception {
        model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).contextLength(256).build());
        server = OpenAiServer.builder(model).port(0).modelName("m").apiKey(KEY).start();
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    private static HttpResponse<String> send(String method, String path, String authorization, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertUnauthorized(HttpResponse<String> r) throws Exception {
        assertEquals(401, r.statusCode(), r.body());
        assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals("invalid_api_key", e.get("code").asText());
        assertEquals("invalid_request_error", e.get("type").asText());
        assertFalse(e.get("message").asText().contains(KEY), "the key is never echoed");
    }

    @Test
    void everyEndpointButHealthNeedsTheKey() throws Exception {
        assertEquals(200, send("GET", "/health", null, null).statusCode(), "balancers check health without a key");
        for (String[] req : new String[][] {{"GET", "/v1/models"}, {"GET", "/v1/models/m"}, {"GET", "/metrics"},
                {"POST", "/v1/chat/completions"}, {"POST", "/v1/completions"}, {"GET", "/v1/nowhere"}}) {
            String body = req[0].equals("POST") ? "{\"prompt\": \"hi\", \"max_tokens\": 1}" : null;
            assertUnauthorized(send(req[0], req[1], null, body));
            assertUnauthorized(send(req[0], req[1], "Bearer wrong", body));
            assertUnauthorized(send(req[0], req[1], "Bearer " + KEY + "x", body));
            assertUnauthorized(send(req[0], req[1], "Basic " + KEY, body));
            assertUnauthorized(send(req[0], req[1], KEY, body));
        }
        assertEquals(200, send("GET", "/v1/models", "Bearer " + KEY, null).statusCode());
        assertEquals(200, send("GET", "/v1/models", "bearer  " + KEY + " ", null).statusCode(), "scheme case, spaces");
        HttpResponse<String> chat = send("POST", "/v1/chat/completions", "Bearer " + KEY,
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"max_tokens\": 2}");
        assertEquals(200, chat.statusCode(), chat.body());
        assertEquals(404, send("GET", "/v1/nowhere", "Bearer " + KEY, null).statusCode());
    }

    @Test
    void keyComparison() {
        ApiKey none = new ApiKey(null);
        assertFalse(none.required());
        assertTrue(none.allowsHeader((String) null));
        ApiKey k = new ApiKey("abc");
        assertTrue(k.allowsHeader("Bearer abc"));
        assertTrue(k.allowsHeader("BEARER abc"));
        assertFalse(k.allowsHeader(null));
        assertFalse(k.allowsHeader(""));
        assertFalse(k.allowsHeader("Bearer "));
        assertFalse(k.allowsHeader("Bearer ab"));
        assertFalse(k.allowsHeader("Bearer abcd"));
        assertFalse(k.allowsHeader("Bearerabc"));
        assertTrue(ServerConfig.builder().apiKey("secret").build().toString().contains("apiKey=set"));
        assertFalse(ServerConfig.builder().apiKey("secret").build().toString().contains("secret"));
        assertNull(ServerConfig.builder().apiKey("").build().apiKey(), "an empty key is no key");
    }

    @Test
    void metricsInPrometheusTextFormat() throws Exception {
        String auth = "Bearer " + KEY;
        assertEquals(200, send("GET", "/health", null, null).statusCode());
        HttpResponse<String> chat = send("POST", "/v1/completions", auth, "{\"prompt\": \"Hello\", \"max_tokens\": 4, \"temperature\": 0}");
        assertEquals(200, chat.statusCode(), chat.body());
        int completion = JSON.readTree(chat.body()).get("usage").get("completion_tokens").asInt();
        assertEquals(400, send("POST", "/v1/completions", auth, "{\"prompt\": 7}").statusCode());
        HttpResponse<String> m = send("GET", "/metrics", auth, null);
        assertEquals(200, m.statusCode());
        assertEquals(Metrics.CONTENT_TYPE, m.headers().firstValue("Content-Type").orElse(""));
        String text = m.body();
        // every sample line is NAME{LABELS} VALUE or NAME VALUE, and every metric has HELP and TYPE
        Pattern sample = Pattern.compile("([a-z_]+)(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*})? -?[0-9.]+(E-?[0-9]+)?");
        List<String> names = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                names.add(line.split(" ")[2]);
            } else if (!line.startsWith("# HELP ")) {
                Matcher s = sample.matcher(line);
                assertTrue(s.matches(), "sample line: " + line);
                String base = s.group(1).replaceFirst("_(sum|count)$", "");
                assertTrue(names.contains(s.group(1)) || names.contains(base), "TYPE before " + line);
            }
        }
        assertTrue(metric(text, "nextinfer_requests_total{path=\"/v1/completions\",status=\"200\"}") >= 1, text);
        assertTrue(metric(text, "nextinfer_requests_total{path=\"/v1/completions\",status=\"400\"}") >= 1, text);
        assertTrue(metric(text, "nextinfer_completion_tokens_total") >= completion, text);
        assertTrue(metric(text, "nextinfer_prompt_tokens_total") >= 1, text);
        assertEquals(0, metric(text, "nextinfer_queue_depth"), text);
        assertEquals(16, metric(text, "nextinfer_queue_limit"), text);
        assertEquals(1, metric(text, "nextinfer_requests_in_flight"), "the scrape itself: " + text);
        if (completion >= 2) {
            assertTrue(metric(text, "nextinfer_completion_tokens_per_second") > 0, text);
        }
        assertTrue(metric(text, "nextinfer_memory_limit_bytes") > 0, text);
        assertTrue(text.contains("nextinfer_requests_total{path=\"/health\""), "unauthenticated health checks count too: " + text);
    }

    private static double metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no sample " + name + " in\n" + text);
    }

    @Test
    void tokensPerSecondIsOverTheLastMinute() {
        long[] now = {0};
        Metrics m = new Metrics(() -> now[0]);
        Outcome o = new Outcome();
        o.usage(new dev.nextinfer.core.Usage(3, 0, 11, 1_000_000, 2_000_000_000L, 0, 0), "length");
        m.request("/v1/completions", o, 1);
        assertEquals(5.0, m.recentTokensPerSecond(), 1e-9, "10 decode steps in 2 s");
        now[0] = 61_000_000_000L;
        assertEquals(0.0, m.recentTokensPerSecond(), "forgotten after a minute");
    }

    @Test
    void exposedWithoutAKeyWarnsAndWithAKeyDoesNot() throws Exception {
        List<String> warnings = new ArrayList<>();
        try (OpenAiServer open = OpenAiServer.builder(model).host("0.0.0.0").port(0).warnings(warnings::add).start()) {
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.getFirst().contains("without an API key"), warnings.getFirst());
            assertEquals("http://127.0.0.1:" + open.address().getPort() + "/v1", open.url().toString());
        }
        warnings.clear();
        try (OpenAiServer keyed = OpenAiServer.builder(model).host("0.0.0.0").port(0).apiKey("k").warnings(warnings::add).start();
             OpenAiServer local = OpenAiServer.builder(model).port(0).warnings(warnings::add).start()) {
            assertNull(keyed.exposureWarning());
            assertNull(local.exposureWarning());
            assertEquals(List.of(), warnings);
            assertEquals(ServerConfig.modelId(TextModels.small()), local.modelName(), "the folder's name by default");
        }
    }
}
