package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.TextModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** demo (with its cache in a temporary folder) and serve through the command line. */
class DemoAndServeCommandsTest {
    @TempDir
    Path cache;

    @Test
    void demoCreatesItsCheckpointOnceAndStreamsPrintableNoise() throws Exception {
        String old = System.getProperty(DemoCommand.CACHE_PROPERTY);
        System.setProperty(DemoCommand.CACHE_PROPERTY, cache.toString());
        try {
            CliRunner r = CliRunner.run("demo", "--tokens", "16", "--threads", "2");
            assertEquals(0, r.code(), r.err());
            Path ckpt = cache.resolve("demo-" + DemoCommand.RECIPE);
            assertTrue(Files.isRegularFile(ckpt.resolve("config.json")));
            assertTrue(Files.isRegularFile(ckpt.resolve("tokenizer.json")));
            long bytes;
            try (var files = Files.list(ckpt)) {
                bytes = files.mapToLong(p -> p.toFile().length()).sum();
            }
            assertTrue(bytes < 300L << 20, "a few hundred MB at most: " + bytes);
            String out = r.out();
            assertTrue(out.contains("> Explain the delta rule in one sentence."), out);
            assertTrue(out.matches("(?s).*generated 16 tokens [\\d.]+ tok/s.*"), out);
            assertTrue(out.contains("random weights"), out);
            assertTrue(out.contains("./nextinfer chat --model /path/to/Qwen3-Next-80B-A3B-Instruct-Q4_K_M.gguf"), out);
            for (char c : out.toCharArray()) {
                assertTrue(c == '\n' || c == '\t' || !Character.isISOControl(c), "control character " + (int) c + " in " + out);
            }
            // the second run reuses the checkpoint and gives the same (seeded) answer
            long modified = Files.getLastModifiedTime(ckpt.resolve("config.json")).toMillis();
            CliRunner again = CliRunner.run("demo", "--tokens", "16", "--threads", "2");
            assertEquals(answer(out), answer(again.out()));
            assertEquals(modified, Files.getLastModifiedTime(ckpt.resolve("config.json")).toMillis());
            assertTrue(!again.err().contains("creating"), again.err());
        } finally {
            if (old == null) {
                System.clearProperty(DemoCommand.CACHE_PROPERTY);
            } else {
                System.setProperty(DemoCommand.CACHE_PROPERTY, old);
            }
        }
    }

    private static String answer(String out) {
        int start = out.indexOf("> Explain");
        return out.substring(start, out.indexOf("load ", start));
    }

    @Test
    void printableEscapesTerminalControls() {
        assertEquals("a\\u001b[2Jb\nc\td\\u000d\\u202e😀", TerminalText.printable("a\u001b[2Jb\nc\td\r\u202e😀"));
        String clean = "plain 文字 ✅";
        assertTrue(clean == TerminalText.printable(clean));
    }

    @Test
    void serveAnswersOverHttpUntilStopped() throws Exception {
        CompletableFuture<ServeCommand.Running> started = new CompletableFuture<>();
        ServeCommand.onStarted = started::complete;
        try {
            CompletableFuture<CliRunner> run = CompletableFuture.supplyAsync(() -> CliRunner.run("serve", "--model",
                    TextModels.small().toString(), "--port", "0", "--model-name", "mini", "--threads", "2", "--context", "256"));
            ServeCommand.Running server = started.get(120, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + server.address().getPort();
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> models = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, models.statusCode());
            assertTrue(models.body().contains("\"id\":\"mini\""), models.body());
            HttpResponse<String> chat = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\": \"mini\", \"messages\": [{\"role\": \"user\","
                            + " \"content\": \"Hi\"}], \"max_tokens\": 3}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, chat.statusCode(), chat.body());
            server.stop().close();
            CliRunner r = run.get(60, TimeUnit.SECONDS);
            assertEquals(0, r.code(), r.err());
            Matcher m = Pattern.compile("serving mini on http://127\\.0\\.0\\.1:(\\d+)/v1 \\(context 256 tokens").matcher(r.err());
            assertTrue(m.find(), r.err());
            assertEquals(server.address().getPort(), Integer.parseInt(m.group(1)));
            assertTrue(r.err().contains("nextinfer: POST /v1/chat/completions 200 prompt="), r.err());
            assertTrue(r.err().contains("nextinfer: GET /v1/models 200"), r.err());
        } finally {
            ServeCommand.onStarted = null;
        }
    }

    /** Runs serve with {@code args}, calls {@code client} with the base URL, stops it and returns its output. */
    private static CliRunner serve(ThrowingConsumer<String> client, String... args) throws Exception {
        CompletableFuture<ServeCommand.Running> started = new CompletableFuture<>();
        ServeCommand.onStarted = started::complete;
        try {
            String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of("serve", "--model", TextModels.small().toString(),
                    "--port", "0", "--model-name", "mini", "--threads", "2", "--context", "256"), java.util.Arrays.stream(args)).toArray(String[]::new);
            CompletableFuture<CliRunner> run = CompletableFuture.supplyAsync(() -> CliRunner.run(all));
            ServeCommand.Running server;
            try {
                server = started.get(120, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new AssertionError("serve did not start: " + (run.isDone() ? run.get().err() : "still running"));
            }
            try {
                client.accept("http://127.0.0.1:" + server.address().getPort());
            } finally {
                server.stop().close();
            }
            return run.get(60, TimeUnit.SECONDS);
        } finally {
            ServeCommand.onStarted = null;
        }
    }

    @FunctionalInterface
    private interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    @Test
    void serveWithAnApiKeyFromAFileRefusesClientsWithoutIt() throws Exception {
        Path keyFile = cache.resolve("key");
        Files.writeString(keyFile, "sk-from-file\n");
        HttpClient http = HttpClient.newHttpClient();
        CliRunner r = serve(base -> {
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode(), anonymous.body());
            HttpResponse<String> keyed = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/models"))
                    .header("Authorization", "Bearer sk-from-file").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, keyed.statusCode(), keyed.body());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }, "--host", "0.0.0.0", "--api-key", "@" + keyFile);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("API key required"), r.err());
        assertTrue(!r.err().contains("warning"), r.err());
        assertTrue(!r.err().contains("sk-from-file"), "the key is never printed: " + r.err());
        assertTrue(r.err().contains("nextinfer: GET /v1/models 401"), r.err());
    }

    @Test
    void serveOnANetworkAddressWithoutAKeyWarns() throws Exception {
        CliRunner r = serve(base -> { }, "--host", "0.0.0.0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("nextinfer: warning: listening on 0.0.0.0:"), r.err());
        assertTrue(r.err().contains("without an API key"), r.err());
        CliRunner empty = CliRunner.run("serve", "--model", TextModels.small().toString(), "--api-key", "@" + cache.resolve("missing"));
        assertEquals(1, empty.code(), empty.err());
        assertTrue(empty.err().startsWith("nextinfer: error: --api-key @"), empty.err());
    }
}
