package dev.nextinfer.spring.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/**
 * The README's "Use it from Spring Boot" controller is the class below, compiled and run here (on a chat client
 * over the tiny checkpoint); the test fails when the README's snippet and this code drift apart. The example
 * application under {@code examples/spring-boot-app} serves it over HTTP.
 */
class ReadmeExampleTest {

    // README-BEGIN
    @RestController
    static class ChatController {
        private final ChatClient chat;

        ChatController(ChatClient.Builder chat) {
            this.chat = chat.build();
        }

        @GetMapping(path = "/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
        Flux<String> chat(@RequestParam String message) {
            return chat.prompt().user(message).stream().content();
        }
    }
    // README-END

    @Test
    void readmeSnippetIsThisCode() throws IOException {
        Matcher m = Pattern.compile("// README-BEGIN\\n(.*?)\\n\\s*// README-END", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("src/test/java/dev/nextinfer/spring/ai/ReadmeExampleTest.java")));
        assertTrue(m.find());
        List<String> lines = m.group(1).lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        String code = String.join("\n", lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).toList()).strip();
        Matcher r = Pattern.compile("## Use it from Spring Boot\\n.*?```java\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("../README.md")));
        assertTrue(r.find(), "README has a 'Use it from Spring Boot' section with a java block");
        assertEquals(code, r.group(1).strip().replace("@RestController\nclass", "@RestController\nstatic class"),
                "README snippet differs from ReadmeExampleTest.ChatController");
    }

    @Test
    void controllerStreams() {
        try (Qwen3Next qwen = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            NextinferChatModel model = NextinferChatModel.builder().model(qwen)
                    .defaultOptions(NextinferChatOptions.builder().maxTokens(8).build()).build();
            List<String> pieces = new ChatController(ChatClient.builder(model)).chat("Hello").collectList()
                    .block(Duration.ofSeconds(60));
            assertTrue(!pieces.isEmpty() && pieces.stream().noneMatch(String::isEmpty), pieces.toString());
        }
    }
}
