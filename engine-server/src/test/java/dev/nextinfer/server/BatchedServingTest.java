package dev.nextinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.DecodeBatcher;
import dev.nextinfer.core.testing.TextModels;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Continuous batching over real HTTP: a server with 8 parallel slots and 8 concurrent streaming clients (greedy
 * and seeded sampling, different prompt lengths and token limits). Every client's streamed answer is exactly the
 * answer the same request gets served alone, the decode steps of the concurrent clients did share forward passes
 * (the model's batcher ran passes of several sequences), and the aggregate tokens/s is printed.
 */
class BatchedServingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final int CLIENTS = 8;

    @Test
    void eightStreamingClientsGetTheirAnswersAloneWhileSharingForwardPasses() throws Exception {
        try (Qwen3Next model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).contextLength(512).build())) {
            OpenAiServer server = OpenAiServer.builder(model).host("127.0.0.1").port(0).modelName("tiny").parallel(CLIENTS)
                    .maxQueue(CLIENTS).maxBodyBytes(64 * 1024).start();
            try {
                List<String> requests = new ArrayList<>();
                for (int i = 0; i < CLIENTS; i++) {
                    StringBuilder question = new StringBuilder("Client " + i + " asks:");
                    for (int k = 0; k < 2 + 4 * i; k++) {
                        question.append(" word").append(k * (i + 3));
                    }
                    requests.add("{\"messages\": [{\"role\": \"user\", \"content\": \"" + question + "\"}], \"max_tokens\": "
                            + (24 + 3 * i) + ", \"temperature\": " + (i % 3 == 0 ? "0" : "0.9, \"seed\": " + (7 + i))
                            + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}");
                }
                List<String> alone = new ArrayList<>();
                int aloneTokens = 0;
                long a0 = System.nanoTime();
                for (String r : requests) {
                    Answer a = send(server, r).join();
                    alone.add(a.content);
                    aloneTokens += a.completionTokens;
                }
                double aloneSeconds = (System.nanoTime() - a0) / 1e9;

                DecodeBatcher.Stats before = model.decodeBatcher().stats();
                long t0 = System.nanoTime();
                List<CompletableFuture<Answer>> together = new ArrayList<>();
                for (String r : requests) {
                    together.add(send(server, r));
                }
                int tokens = 0;
                for (int i = 0; i < CLIENTS; i++) {
                    Answer a = together.get(i).join();
                    assertEquals(alone.get(i), a.content, "client " + i + " served together vs alone");
                    tokens += a.completionTokens;
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                DecodeBatcher.Stats after = model.decodeBatcher().stats();
                long steps = after.steps() - before.steps();
                long passes = after.batches() - before.batches();
                System.out.printf(Locale.ROOT, "%d concurrent streaming clients: %d tokens in %.2f s, %.1f tokens/s in all"
                        + " (one after another: %.1f tokens/s); %d decode steps in %d forward passes (%.2f per pass, widest %d)%n",
                        CLIENTS, tokens, seconds, tokens / seconds, aloneTokens / aloneSeconds, steps, passes,
                        (double) steps / passes, after.widest());
                assertTrue(tokens >= CLIENTS, "answers with tokens: " + tokens);
                assertTrue(passes < steps, "concurrent decode steps shared forward passes: " + steps + " steps in " + passes + " passes");
                assertTrue(after.widest() >= 2 && after.widest() <= CLIENTS, "widest pass " + after.widest());
            } finally {
                server.close();
            }
        }
    }

    /** A streamed answer: its text and the usage's completion tokens. */
    private record Answer(String content, int completionTokens) {
    }

    private static CompletableFuture<Answer> send(OpenAiServer server, String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            assertEquals(200, r.statusCode(), r.body());
            StringBuilder sb = new StringBuilder();
            int completion = -1;
            for (String block : r.body().split("\n\n")) {
                if (block.isBlank() || block.equals("data: [DONE]")) {
                    continue;
                }
                assertTrue(block.startsWith("data: "), block);
                try {
                    JsonNode e = JSON.readTree(block.substring(6));
                    if (e.hasNonNull("usage")) {
                        completion = e.get("usage").get("completion_tokens").asInt();
                    }
                    JsonNode choices = e.get("choices");
                    if (choices != null && !choices.isEmpty() && choices.get(0).get("delta").has("content")) {
                        sb.append(choices.get(0).get("delta").get("content").asText());
                    }
                } catch (java.io.IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }
            assertTrue(completion > 0, "usage with completion tokens in " + r.body());
            return new Answer(sb.toString(), completion);
        });
    }
}
