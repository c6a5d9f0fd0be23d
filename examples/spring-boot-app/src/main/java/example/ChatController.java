package example;

import org.springframework.ai.chat.client.ChatClient;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;

/** Streams the answer to a message (the controller of the README's "Use it from Spring Boot"). */
@RestController
class ChatController {
    private final ChatClient chat;

    ChatController(ChatClient.Builder chat) {
        this.chat = chat.build();
    }

    @GetMapping(path = "/chat", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    Flux<String> chat(@RequestParam String message) {
        return chat.prompt().user(message).stream().content();
    }
}
