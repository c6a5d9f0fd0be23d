package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nextinfer.core.testing.TextModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Nulls passed to the public API are bad input with a one-line message, never a NullPointerException. */
class ApiArgumentsTest {
    private static Qwen3Next model;

    @BeforeAll
    static void load() {
        model = Qwen3Next.load(TextModels.small(), null); // null options = defaults
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static void bad(String message, Executable call) {
        assertEquals(message, assertThrows(NextInferException.class, call).getMessage());
    }

    @Test
    void nullsAreNamed() {
        Session s = model.newSession();
        GenerationConfig g = GenerationConfig.builder().maxTokens(1).build();
        bad("prompt must not be null", () -> s.generate((String) null, g));
        bad("prompt must not be null", () -> s.generate((int[]) null, g, null));
        bad("generation config must not be null", () -> s.generate(new int[] {1}, null, null));
        bad("prompt must not be null", () -> s.stream((String) null, g));
        Chat chat = model.newChat(null);
        bad("user message must not be null", () -> chat.send(null, g));
        bad("generation config must not be null", () -> chat.send("hi", null));
        bad("message must not be null", () -> chat.add(null));
        bad("messages must not be null", () -> model.chatPrompt(null, null));
        bad("model path (checkpoint folder or GGUF file) must not be null", () -> Qwen3Next.load(null, LoadOptions.defaults()));
        assertEquals(1, s.generate(new int[] {1, 2}, g, null).tokenIds().length, "a null listener means none");
    }
}
