package example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Spring Boot application whose {@code GET /chat?message=…} streams a local Qwen3-Next model's answer as
 * server-sent events. Run: {@code NEXTINFER_MODEL=/models/Qwen3-Next-80B-A3B-Instruct mvn spring-boot:run}, then
 * {@code curl -N 'http://localhost:8080/chat?message=Hello'}.
 */
@SpringBootApplication
public class ChatApplication {

    /** Starts the application. */
    public static void main(String[] args) {
        SpringApplication.run(ChatApplication.class, args);
    }
}
