package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The visible "chat" golden cases: rendered text and its ids, for the three templates. */
class GoldenChatTest {
    static Stream<Arguments> cases() {
        return Goldens.ofKind("chat").stream().map(n -> Arguments.of(Named.of(n.get("id").asText(), n)));
    }

    static ChatTemplate template(String name) {
        return switch (name) {
            case "qwen3" -> Tokenizer.qwen3().chatTemplate();
            case "qwen3-next-instruct" -> bundled("Qwen3-Next-80B-A3B-Instruct");
            case "qwen3-next-thinking" -> bundled("Qwen3-Next-80B-A3B-Thinking");
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static ChatTemplate bundled(String model) {
        try (InputStream in = Tokenizer.class.getResourceAsStream("qwen3-next/" + model + ".chat_template.jinja")) {
            return ChatTemplate.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rendersAndEncodesLikeTransformers(JsonNode c) {
        ChatTemplate t = template(c.get("template").asText());
        Map<String, Object> kwargs = Goldens.map(c.get("chat_template_kwargs"));
        String text = t.render(Goldens.list(c.get("messages")), Goldens.list(c.get("tools")),
                c.get("add_generation_prompt").asBoolean(), kwargs);
        assertEquals(c.get("text").asText(), text);
        assertArrayEquals(Goldens.ids(c), Tokenizer.qwen3().encode(text));
    }
}
