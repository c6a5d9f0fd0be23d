package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Starts the application on a real checkpoint ({@code mvn test -Dnextinfer.test.model=/path/to/checkpoint}) and reads
 * {@code /chat} over HTTP: the answer arrives as server-sent events.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "nextinfer.model.path=${nextinfer.test.model}", "nextinfer.model.threads=2", "nextinfer.chat.options.max-tokens=16"})
class ChatApplicationTest {
    @LocalServerPort
    int port;

    @Autowired
    ChatModel chatModel;

    @Test
    void chatStreamsServerSentEvents() throws Exception {
        assertEquals("NextinferChatModel", chatModel.getClass().getSimpleName(), "the starter's ChatModel is injected");
        HttpResponse<java.util.stream.Stream<String>> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/chat?message=Hello"))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(120)).build(),
                HttpResponse.BodyHandlers.ofLines());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
        List<String> events = response.body().filter(line -> line.startsWith("data:")).toList();
        System.out.println("events: " + events);
        assertTrue(!events.isEmpty(), "at least one piece of the answer");
    }
}
