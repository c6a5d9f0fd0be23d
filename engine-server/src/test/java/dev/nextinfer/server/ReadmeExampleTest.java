package dev.nextinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "serve from Java" example is this class's {@code main}, compiled and run here (serving a real chat
 * request); the test fails when the README's snippet and the code below drift apart.
 */
class ReadmeExampleTest {

    // README-BEGIN
    public static void main(String[] args) throws IOException, InterruptedException {
        try (Qwen3Next model = Qwen3Next.load(Path.of(args[0]), LoadOptions.defaults());
             OpenAiServer server = OpenAiServer.builder(model)
                     .port(Integer.parseInt(args[1]))            // 0 = any free port
                     .apiKey(System.getenv("NEXTINFER_API_KEY")) // null = no key
                     .log(request -> System.err.println(request))
                     .start()) {
            System.out.println("OpenAI API at " + server.url());
            server.join(); // serves until closed, or until this thread is interrupted
        }
    }
    // README-END

    @Test
    void readmeSnippetIsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/nextinfer/server/ReadmeExampleTest.java"));
        Matcher m = Pattern.compile("// README-BEGIN\\n(.*?)\\n\\s*// README-END", Pattern.DOTALL).matcher(source);
        assertTrue(m.find());
        String code = dedent(m.group(1));
        String readme = Files.readString(Path.of("../README.md"));
        Matcher r = Pattern.compile("## Serve it from Java.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(r.find(), "README has a 'Serve it from Java' section with a java block");
        assertEquals(code, r.group(1).strip(), "README snippet differs from ReadmeExampleTest.main");
        assertTrue(code.lines().count() <= 12, "a few lines");
    }

    private static String dedent(String block) {
        List<String> lines = block.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).toList()).strip();
    }

    @Test
    void exampleServesAChatRequestAndStopsWhenInterrupted() throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread main = Thread.ofPlatform().name("readme-server").start(() -> {
            try {
                main(new String[] {TextModels.small().toString(), "0"});
            } catch (InterruptedException expected) {
                // how the example is stopped
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        try {
            String url = null;
            for (int i = 0; i < 1200 && url == null && main.isAlive(); i++) { // a "did not hang" bound, not a speed test
                Matcher m = Pattern.compile("OpenAI API at (http://\\S+)").matcher(buf.toString(StandardCharsets.UTF_8));
                url = m.find() ? m.group(1) : null;
                Thread.sleep(100);
            }
            assertTrue(url != null, "the example printed its URL: " + buf + " " + failure.get());
            assertEquals(null, System.getenv("NEXTINFER_API_KEY") == null ? null : "set", "the test runs without a key in the environment");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/chat/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}],"
                            + " \"max_tokens\": 3}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains("\"object\":\"chat.completion\""), r.body());
        } finally {
            main.interrupt();
            main.join(60_000);
            System.setOut(old);
        }
        assertFalse(main.isAlive(), "an interrupt stops the example");
        assertEquals(null, failure.get());
    }
}
