package dev.nextinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * A soak test of the server on loopback: concurrent clients for a while, mixing streaming and non-streaming chat
 * and completions, clients that disconnect mid-stream, slow readers, malformed, unauthorised and oversized
 * bodies, and bursts over the queue limit. Every well-formed request must get a complete answer equal to the one it
 * gets alone (temperature 0), or the documented 429/503 with Retry-After; every bad one its documented 4xx. After
 * it, threads, heap and reserved memory are back to their baseline, the sessions are idle, the queue is empty and
 * the server still answers.
 *
 * <p>Short by default (CI: 40 s); the full run by hand: {@code -Dnextinfer.soak.seconds=600} (figures in
 * docs/reliability.md). A summary is printed and written to {@code target/soak-summary.json}.
 */
class ServerSoakTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "soak-key";
    private static final int PARALLEL = 2;
    private static final int QUEUE = 4;
    private static final int BODY_LIMIT = 32 * 1024;
    private static final int CLIENTS = 8;

    private Qwen3Next model;
    private OpenAiServer server;
    private int port;
    /** Expected answer text per request template (computed alone, before the soak). */
    private final Map<String, String> expected = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final List<Long> latenciesMs = Collections.synchronizedList(new ArrayList<>());
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final AtomicLong requests = new AtomicLong();

    /** The well-formed requests: chat and completion, streaming or not (deterministic: temperature 0). */
    private static final List<String[]> GOOD = new ArrayList<>();

    static {
        String[] topics = {"the delta rule", "state space models", "attention", "caching", "mixture of experts"};
        for (int i = 0; i < topics.length; i++) {
            int max = 3 + i;
            GOOD.add(new String[] {"chat" + i, "/v1/chat/completions", "{\"model\": \"m\", \"messages\": [{\"role\": \"system\","
                    + " \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Explain " + topics[i] + ".\"}],"
                    + " \"max_tokens\": " + max + ", \"temperature\": 0%s}"});
            GOOD.add(new String[] {"text" + i, "/v1/completions", "{\"model\": \"m\", \"prompt\": \"Notes on " + topics[i]
                    + ":\", \"max_tokens\": " + max + ", \"temperature\": 0%s}"});
        }
    }

    private static String body(String[] req, boolean stream) {
        return String.format(Locale.ROOT, req[2], stream ? ", \"stream\": true, \"stream_options\": {\"include_usage\": true}" : "");
    }

    private void count(String outcome) {
        outcomes.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    }

    private void fail(String what) {
        if (failures.size() < 50) {
            failures.add(what);
        }
    }

    @Test
    void soak() throws Exception {
        long seconds = Long.getLong("nextinfer.soak.seconds", 40);
        model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).contextLength(512).build());
        server = OpenAiServer.builder(model).port(0).modelName("m").parallel(PARALLEL).maxQueue(QUEUE)
                .maxBodyBytes(BODY_LIMIT).apiKey(KEY).start();
        port = server.address().getPort();
        try {
            // expected answers, each request alone (also warms up the JIT, the pools and the virtual-thread carriers)
            for (String[] req : GOOD) {
                Response r = send(req[1], body(req, false), KEY);
                assertEquals(200, r.status, r.body);
                expected.put(req[0], text(JSON.readTree(r.body)));
                Response s = send(req[1], body(req, true), KEY);
                assertEquals(200, s.status, s.body);
                assertEquals(expected.get(req[0]), streamedText(s.body), "streaming equals non-streaming for " + req[0]);
            }
            Baseline before = Baseline.take(model);

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                long seed = 1000 + c;
                running.add(clients.submit(() -> client(new Random(seed), deadline)));
            }
            for (Future<?> f : running) {
                f.get(seconds + 300, TimeUnit.SECONDS); // did not hang
            }
            clients.shutdown();
            assertTrue(clients.awaitTermination(60, TimeUnit.SECONDS));

            // afterwards: idle, answering, nothing leaked
            waitIdle();
            Response after = send(GOOD.get(0)[1], body(GOOD.get(0), false), KEY);
            assertEquals(200, after.status, after.body);
            assertEquals(expected.get(GOOD.get(0)[0]), text(JSON.readTree(after.body)), "still answers correctly");
            Baseline end = Baseline.take(model);
            String metrics = server.metricsText();
            String summary = summary(seconds, before, end, metrics);
            System.out.println(summary);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/soak-summary.json"), summary);
            assertEquals(List.of(), failures, "every request answered as documented");
            assertTrue(requests.get() >= 100, "enough requests: " + requests.get());
            for (String kind : List.of("chat", "chat-stream", "text", "text-stream", "disconnect", "malformed", "oversized",
                    "unauthorized", "slow-reader")) {
                assertTrue(outcomes.containsKey(kind + " ok"), "the mix included " + kind + ": " + outcomes.keySet());
            }
            assertTrue(generations(metrics, "cancelled") >= 1, "clients that went away cancelled their generations:\n" + metrics);
            assertTrue(end.threads <= before.threads + 4, "threads back to baseline: " + before.threads + " → " + end.threads);
            assertTrue(end.heapBytes <= before.heapBytes + (64L << 20), "heap back to baseline: " + before.heapBytes + " → " + end.heapBytes);
            // each idle slot may keep its last sequence (KV pages and DeltaNet states with snapshots) for prefix reuse
            long oneSequence = model.memoryEstimate(model.contextLength(), false).perSequenceBytes();
            assertTrue(end.reservedBytes <= (long) PARALLEL * oneSequence,
                    "reserved memory bounded by the idle slots' kept states: " + end.reservedBytes + " > " + PARALLEL
                            + " × " + oneSequence);
        } finally {
            server.close();
            model.close();
        }
    }

    /** Waits until no request is in flight or queued (a did-not-hang bound: one minute). */
    private void waitIdle() throws Exception {
        for (int i = 0; i < 600; i++) {
            String m = server.metricsText();
            if (metric(m, "nextinfer_requests_in_flight") == 0 && metric(m, "nextinfer_queue_depth") == 0
                    && metric(m, "nextinfer_generations_running") == 0) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the server did not become idle:\n" + server.metricsText());
    }

    private static double metric(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(name.length() + 1));
            }
        }
        throw new AssertionError("no " + name);
    }

    /** One client: random actions until the deadline. */
    private void client(Random rnd, long deadline) {
        while (System.nanoTime() < deadline) {
            int pick = rnd.nextInt(100);
            try {
                if (pick < 20) {
                    good(rnd, false, "/v1/chat/completions");
                } else if (pick < 40) {
                    good(rnd, true, "/v1/chat/completions");
                } else if (pick < 50) {
                    good(rnd, false, "/v1/completions");
                } else if (pick < 60) {
                    good(rnd, true, "/v1/completions");
                } else if (pick < 68) {
                    disconnectMidStream(rnd);
                } else if (pick < 76) {
                    malformed(rnd);
                } else if (pick < 80) {
                    oversized();
                } else if (pick < 84) {
                    unauthorized();
                } else if (pick < 96) {
                    slowReader(rnd);
                } else {
                    burst(rnd);
                }
                if (backOff.get()) { // a 429 or 503 says "Retry-After: 1": back off, as OpenAI's clients do (shortened)
                    backOff.set(false);
                    Thread.sleep(100 + rnd.nextInt(200));
                }
            } catch (Exception e) {
                fail("client error: " + e);
            }
        }
    }

    private String[] pick(Random rnd, String path) {
        while (true) {
            String[] req = GOOD.get(rnd.nextInt(GOOD.size()));
            if (req[1].equals(path)) {
                return req;
            }
        }
    }

    /** A well-formed request: the expected answer, or a documented 429/503 with Retry-After. */
    private void good(Random rnd, boolean stream, String path) throws Exception {
        String[] req = pick(rnd, path);
        String kind = (path.contains("chat") ? "chat" : "text") + (stream ? "-stream" : "");
        long t0 = System.nanoTime();
        Response r = send(path, body(req, stream), KEY);
        checkGood(kind, req, stream, r, t0);
    }

    /** Set on a client's thread by a 429/503 answer: it backs off before its next request. */
    private final ThreadLocal<Boolean> backOffFlag = ThreadLocal.withInitial(() -> false);
    private final BackOff backOff = new BackOff();

    private final class BackOff {
        boolean get() {
            return backOffFlag.get();
        }

        void set(boolean v) {
            backOffFlag.set(v);
        }
    }

    private void checkGood(String kind, String[] req, boolean stream, Response r, long t0) throws IOException {
        if (r.status == 429 || r.status == 503) {
            if (!"1".equals(r.retryAfter)) {
                fail(kind + ": " + r.status + " without Retry-After");
            }
            count(kind + " " + r.status);
            backOff.set(true);
            return;
        }
        if (r.status != 200) {
            fail(kind + ": status " + r.status + " " + r.body);
            return;
        }
        String got = stream ? streamedText(r.body) : text(JSON.readTree(r.body));
        if (!expected.get(req[0]).equals(got)) {
            fail(kind + " " + req[0] + ": answer differs: '" + got + "' vs '" + expected.get(req[0]) + "'");
            return;
        }
        latenciesMs.add((System.nanoTime() - t0) / 1_000_000);
        count(kind + " ok");
    }

    /** A streaming request whose client reads a couple of events and goes away. */
    private void disconnectMidStream(Random rnd) throws Exception {
        String[] req = pick(rnd, "/v1/chat/completions");
        try (Socket s = open("POST", "/v1/chat/completions", body(req, true).replace("\"max_tokens\": ", "\"max_tokens\": 40"), KEY)) {
            s.setSoTimeout(60_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String status = in.readLine();
            if (status == null) {
                fail("disconnect: no status line");
                return;
            }
            if (status.contains(" 429 ") || status.contains(" 503 ")) {
                count("disconnect " + status.split(" ")[1]);
                backOff.set(true);
                return;
            }
            int events = 0;
            String line;
            while (events < 1 + rnd.nextInt(3) && (line = in.readLine()) != null) {
                if (line.startsWith("data: ")) {
                    events++;
                }
            }
            count("disconnect ok");
        } // closed mid-stream
    }

    private static final String[] MALFORMED = {
        "{\"messages\": [oops", "[1, 2]", "", "{\"messages\": []}", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"temperature\": \"hot\"}", "null", "\u0000\u0001",
        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 3}", "{\"model\": 7, \"messages\": 1}",
    };

    private void malformed(Random rnd) throws Exception {
        Response r = send("/v1/chat/completions", MALFORMED[rnd.nextInt(MALFORMED.length)], KEY);
        expectError("malformed", r, 400);
    }

    private void oversized() throws Exception {
        Response r = send("/v1/completions", "{\"prompt\": \"" + "x".repeat(BODY_LIMIT + 10) + "\"}", KEY);
        expectError("oversized", r, 413);
    }

    private void unauthorized() throws Exception {
        Response r = send("/v1/chat/completions", body(GOOD.get(0), false), "wrong-key");
        expectError("unauthorized", r, 401);
    }

    private void expectError(String kind, Response r, int status) throws IOException {
        if (r.status != status) {
            fail(kind + ": expected " + status + ", got " + r.status + " " + r.body);
            return;
        }
        JsonNode e = JSON.readTree(r.body).get("error");
        if (e == null || !e.get("message").isTextual()) {
            fail(kind + ": not an OpenAI error: " + r.body);
            return;
        }
        count(kind + " ok");
    }

    /** A streaming client that reads slowly, a few bytes at a time, to the end. */
    private void slowReader(Random rnd) throws Exception {
        String[] req = pick(rnd, rnd.nextBoolean() ? "/v1/chat/completions" : "/v1/completions");
        long t0 = System.nanoTime();
        try (Socket s = open("POST", req[1], body(req, true), KEY)) {
            s.setSoTimeout(120_000);
            InputStream in = s.getInputStream();
            StringBuilder raw = new StringBuilder();
            byte[] b = new byte[16];
            int n;
            while ((n = in.read(b)) > 0) {
                raw.append(new String(b, 0, n, StandardCharsets.ISO_8859_1));
                Thread.sleep(2);
            }
            Response r = Response.parse(new String(raw.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
            checkGood("slow-reader", req, true, r, t0);
        }
    }

    /** Many requests at once: more than the slots and the queue, so some get 429. */
    private void burst(Random rnd) throws Exception {
        int n = PARALLEL + QUEUE + 4;
        List<Future<?>> all = new ArrayList<>();
        try (ExecutorService burst = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                boolean stream = rnd.nextBoolean();
                String path = rnd.nextBoolean() ? "/v1/chat/completions" : "/v1/completions";
                String[] req = pick(rnd, path);
                all.add(burst.submit(() -> {
                    long t0 = System.nanoTime();
                    checkGood((path.contains("chat") ? "chat" : "text") + (stream ? "-stream" : ""), req, stream,
                            send(path, body(req, stream), KEY), t0);
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get(300, TimeUnit.SECONDS);
            }
        }
        count("burst ok");
    }

    // ---- HTTP on raw sockets (HTTP/1.1, Connection: close), so disconnects and slow reads are real

    private Socket open(String method, String path, String body, String key) throws IOException {
        requests.incrementAndGet();
        Socket s = new Socket("127.0.0.1", port);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream o = s.getOutputStream();
        o.write((method + " " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                + "Authorization: Bearer " + key + "\r\nContent-Length: " + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        o.write(b);
        o.flush();
        return s;
    }

    private Response send(String path, String body, String key) throws IOException {
        try (Socket s = open("POST", path, body, key)) {
            s.setSoTimeout(300_000); // did not hang
            return Response.parse(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        } catch (SocketTimeoutException e) {
            throw new IOException("no answer in 300 s: the server hung", e);
        }
    }

    record Response(int status, String retryAfter, String body) {
        static Response parse(String raw) {
            int headEnd = raw.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return new Response(0, null, raw);
            }
            String[] head = raw.substring(0, headEnd).split("\r\n");
            int status = Integer.parseInt(head[0].split(" ")[1]);
            String retry = null;
            boolean chunked = false;
            for (String h : head) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("retry-after:")) {
                    retry = h.substring(12).trim();
                }
                if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            String body = raw.substring(headEnd + 4);
            return new Response(status, retry, chunked ? dechunk(body) : body);
        }

        private static String dechunk(String s) {
            StringBuilder out = new StringBuilder();
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            int i = 0;
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            while (i < bytes.length) {
                int eol = indexOf(bytes, i);
                if (eol < 0) {
                    break;
                }
                int size = Integer.parseInt(new String(bytes, i, eol - i, StandardCharsets.US_ASCII).trim(), 16);
                if (size == 0) {
                    break;
                }
                buf.write(bytes, eol + 2, size);
                i = eol + 2 + size + 2;
            }
            out.append(buf.toString(StandardCharsets.UTF_8));
            return out.toString();
        }

        private static int indexOf(byte[] b, int from) {
            for (int i = from; i + 1 < b.length; i++) {
                if (b[i] == '\r' && b[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }
    }

    private static String text(JsonNode answer) {
        JsonNode c = answer.get("choices").get(0);
        return c.has("message") ? c.get("message").get("content").asText() : c.get("text").asText();
    }

    /** The text of a complete event stream; fails unless it ends with a finish reason, usage and [DONE]. */
    private static String streamedText(String body) throws IOException {
        StringBuilder sb = new StringBuilder();
        boolean finished = false;
        boolean usage = false;
        List<String> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (!block.isBlank()) {
                events.add(block);
            }
        }
        if (events.isEmpty() || !events.getLast().equals("data: [DONE]")) {
            throw new IOException("stream does not end with [DONE]: " + body);
        }
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode c = JSON.readTree(e.substring(6));
            if (c.has("error")) {
                throw new IOException("error event: " + e);
            }
            if (c.get("choices").isEmpty()) {
                usage = c.has("usage");
                continue;
            }
            JsonNode ch = c.get("choices").get(0);
            if (ch.has("delta") && ch.get("delta").has("content")) {
                sb.append(ch.get("delta").get("content").asText());
            } else if (ch.has("text")) {
                sb.append(ch.get("text").asText());
            }
            finished |= !ch.get("finish_reason").isNull();
        }
        if (!finished || !usage) {
            throw new IOException("stream without finish_reason or usage: " + body);
        }
        return sb.toString();
    }

    /** Threads, heap after GC, and memory reserved by sequences. */
    record Baseline(int threads, long heapBytes, long reservedBytes) {
        static Baseline take(Qwen3Next model) throws InterruptedException {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(200);
            }
            return new Baseline(ManagementFactory.getThreadMXBean().getThreadCount(),
                    ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(), model.reservedMemory());
        }
    }

    /** Generations of a finish reason, from the metrics. */
    private static long generations(String metrics, String reason) {
        String prefix = "nextinfer_generations_total{finish_reason=\"" + reason + "\"} ";
        for (String line : metrics.split("\n")) {
            if (line.startsWith(prefix)) {
                return Long.parseLong(line.substring(prefix.length()));
            }
        }
        return 0;
    }

    private String summary(long seconds, Baseline before, Baseline end, String metrics) throws IOException {
        List<Long> lat = new ArrayList<>(latenciesMs);
        Collections.sort(lat);
        long p50 = lat.isEmpty() ? 0 : lat.get(lat.size() / 2);
        long p99 = lat.isEmpty() ? 0 : lat.get(Math.min(lat.size() - 1, (int) Math.ceil(lat.size() * 0.99) - 1));
        Map<String, Long> counts = new TreeMap<>();
        outcomes.forEach((k, v) -> counts.put(k, v.sum()));
        var n = JSON.createObjectNode();
        n.put("seconds", seconds).put("clients", CLIENTS).put("parallel", PARALLEL).put("max_queue", QUEUE)
                .put("requests", requests.get()).put("latency_p50_ms", p50).put("latency_p99_ms", p99)
                .put("threads_before", before.threads).put("threads_after", end.threads)
                .put("heap_before_bytes", before.heapBytes).put("heap_after_bytes", end.heapBytes)
                .put("reserved_before_bytes", before.reservedBytes).put("reserved_after_bytes", end.reservedBytes);
        n.set("outcomes", JSON.valueToTree(counts));
        var gens = n.putObject("server_generations");
        for (String reason : List.of("stop", "length", "cancelled")) {
            gens.put(reason, generations(metrics, reason));
        }
        n.set("failures", JSON.valueToTree(failures));
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    }
}
