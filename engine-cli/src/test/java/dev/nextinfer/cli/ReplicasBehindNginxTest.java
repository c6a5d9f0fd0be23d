package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.testing.TextModels;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code serve} processes behind a real nginx on loopback (the recipe of docs/deploy.md): concurrent clients
 * go through nginx, one replica is stopped mid-run, and the clients keep getting answers from the survivor;
 * requests that were in flight on the stopped one fail cleanly (a complete error or a cut stream, never a hang).
 *
 * <p>Needs nginx ({@code apt-get install nginx}). Where {@code NEXTINFER_REQUIRE_NGINX=1} (scripts/test and CI set it) a missing
 * nginx fails the test; elsewhere the test is skipped with that reason.
 */
class ReplicasBehindNginxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "replica-key";

    @TempDir
    Path dir;

    private static Path nginx() {
        for (String p : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx", "/usr/local/bin/nginx",
                "/opt/homebrew/bin/nginx")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** A {@code serve} process from this build's classes (the test's class path), as a deployment runs it. */
    private Process replica(String name, int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", TextModels.small().toString(), "--model-name", "m", "--port", String.valueOf(port),
                "--threads", "1", "--context", "256", "--parallel", "2", "--max-queue", "8", "--api-key", KEY);
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(name + ".log").toFile()).start();
    }

    private Process nginx(Path bin, int port, int a, int b) throws IOException {
        Path conf = dir.resolve("nginx.conf");
        Files.createDirectories(dir.resolve("tmp"));
        Files.writeString(conf, """
                daemon off;
                master_process off;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/nginx-error.log warn;
                events { worker_connections 256; }
                http {
                    access_log %1$s/nginx-access.log;
                    client_body_temp_path %1$s/tmp/body;
                    proxy_temp_path %1$s/tmp/proxy;
                    fastcgi_temp_path %1$s/tmp/fastcgi;
                    uwsgi_temp_path %1$s/tmp/uwsgi;
                    scgi_temp_path %1$s/tmp/scgi;
                    upstream nextinfer {
                        server 127.0.0.1:%3$d max_fails=1 fail_timeout=30s;
                        server 127.0.0.1:%4$d max_fails=1 fail_timeout=30s;
                        keepalive 16;
                    }
                    server {
                        listen 127.0.0.1:%2$d;
                        client_max_body_size 8m;
                        location / {
                            proxy_pass http://nextinfer;
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                            proxy_buffering off;
                            proxy_read_timeout 300s;
                            proxy_next_upstream error timeout http_502 http_503;
                            proxy_next_upstream_tries 2;
                        }
                    }
                }
                """.formatted(dir, port, a, b));
        return new ProcessBuilder(bin.toString(), "-c", conf.toString(), "-p", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("nginx.out").toFile()).start();
    }

    private static void awaitHealthy(HttpClient http, int port, Process p, Path log) throws Exception {
        for (int i = 0; i < 1200; i++) { // did-not-hang bound: two minutes
            if (!p.isAlive()) {
                fail("process exited: " + (Files.exists(log) ? Files.readString(log) : ""));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(100);
        }
        fail("not healthy on port " + port);
    }

    @Test
    void clientsKeepGettingAnswersWhenOneReplicaStops() throws Exception {
        Path bin = nginx();
        if (bin == null) {
            String why = "nginx is not installed (apt-get install nginx)";
            if ("1".equals(System.getenv("NEXTINFER_REQUIRE_NGINX"))) {
                fail(why + ", and NEXTINFER_REQUIRE_NGINX=1 requires this test to run");
            }
            Assumptions.abort(why + ": the replica test is skipped (set NEXTINFER_REQUIRE_NGINX=1 to require it)");
        }
        int a = freePort();
        int b = freePort();
        int front = freePort();
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        Process ra = replica("replica-a", a);
        Process rb = replica("replica-b", b);
        Process ng = null;
        try {
            awaitHealthy(http, a, ra, dir.resolve("replica-a.log"));
            awaitHealthy(http, b, rb, dir.resolve("replica-b.log"));
            ng = nginx(bin, front, a, b);
            awaitHealthy(http, front, ng, dir.resolve("nginx.out"));

            Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
            List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
            AtomicBoolean stopped = new AtomicBoolean();
            LongAdder afterStop = new LongAdder();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("nextinfer.replicas.seconds", 24));
            long stopAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.getLong("nextinfer.replicas.seconds", 24) / 3);
            int clients = 6;
            try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
                List<Future<?>> all = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    int id = c;
                    all.add(pool.submit(() -> {
                        int n = 0;
                        while (System.nanoTime() < end) {
                            boolean stream = (id + n++) % 2 == 0;
                            String body = "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"Client " + id
                                    + " asks question " + n + "\"}], \"max_tokens\": 6, \"temperature\": 0"
                                    + (stream ? ", \"stream\": true" : "") + "}";
                            boolean wasStopped = stopped.get();
                            String outcome;
                            try {
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front
                                                + "/v1/chat/completions")).header("Authorization", "Bearer " + KEY)
                                        .timeout(Duration.ofSeconds(120)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                outcome = classify(r, stream);
                            } catch (java.net.http.HttpTimeoutException e) {
                                outcome = "hung";
                                problems.add("a request hung for 120 s");
                            } catch (IOException e) {
                                outcome = "connection error";
                            }
                            outcomes.computeIfAbsent((wasStopped ? "after stop: " : "before stop: ") + outcome, k -> new LongAdder()).increment();
                            if (wasStopped && outcome.equals("answered")) {
                                afterStop.increment();
                            }
                        }
                        return null;
                    }));
                }
                while (System.nanoTime() < stopAt) {
                    Thread.sleep(50);
                }
                ra.destroy(); // SIGTERM: the replica's shutdown hook stops its server; in-flight requests end
                assertTrue(ra.waitFor(60, TimeUnit.SECONDS), "the stopped replica exits");
                stopped.set(true);
                for (Future<?> f : all) {
                    f.get(300, TimeUnit.SECONDS);
                }
            }
            Map<String, Long> counts = new TreeMap<>();
            outcomes.forEach((k, v) -> counts.put(k, v.sum()));
            System.out.println("replicas behind nginx: " + counts);
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target/replicas-summary.txt"), counts + System.lineSeparator());
            assertEquals(List.of(), problems);
            assertTrue(afterStop.sum() >= 6, "the survivor kept answering after the stop: " + counts);
            assertTrue(counts.getOrDefault("before stop: answered", 0L) >= 6, "both served before the stop: " + counts);
            for (String k : counts.keySet()) {
                assertTrue(k.endsWith("answered") || k.endsWith("cancelled") || k.endsWith("cut stream") || k.endsWith("error 502")
                        || k.endsWith("error 503") || k.endsWith("connection error"), "only clean outcomes: " + counts);
            }
            // the survivor served requests after the stop
            HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + b + "/metrics"))
                    .header("Authorization", "Bearer " + KEY).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(m.body().contains("nextinfer_requests_total{path=\"/v1/chat/completions\",status=\"200\"}"), m.body());
        } finally {
            if (ng != null) {
                ng.destroy();
                ng.waitFor(30, TimeUnit.SECONDS);
            }
            for (Process p : List.of(ra, rb)) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** "answered" (a complete answer), "cut stream" (a stream that ended without [DONE]), or "error N". */
    private static String classify(HttpResponse<String> r, boolean stream) throws IOException {
        if (r.statusCode() != 200) {
            return "error " + r.statusCode();
        }
        if (!stream) {
            JsonNode c = JSON.readTree(r.body()).get("choices").get(0);
            return c.get("finish_reason").asText().equals("cancelled") ? "cancelled" // its replica stopped
                    : c.get("message").has("content") ? "answered" : "bad answer";
        }
        if (r.body().contains("\"finish_reason\":\"cancelled\"")) {
            return "cancelled";
        }
        return r.body().endsWith("data: [DONE]\n\n") && r.body().contains("\"finish_reason\":\"") ? "answered" : "cut stream";
    }
}
