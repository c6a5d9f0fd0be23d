package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Conversations beyond the goldens (several tool calls with string and dict arguments, think tags without
 * newlines, reasoning_content with blank lines, Unicode line separators …) rendered with the three bundled
 * templates by Python Jinja2 in Hugging Face's environment (tools/gen_jinja_cases.py), with the tokenizer's
 * special tokens in the context as transformers passes them.
 */
class ChatCrossCheckTest {
    static Stream<Arguments> cases() throws IOException {
        try (InputStream in = ChatCrossCheckTest.class.getResourceAsStream("/jinja/chat-cases.json")) {
            List<Arguments> out = new ArrayList<>();
            Goldens.JSON.readTree(in).forEach(c -> out.add(Arguments.of(Named.of(c.get("name").asText(), c))));
            return out.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rendersLikeTransformers(JsonNode c) {
        ChatTemplate t = GoldenChecks.template(Tokenizer.qwen3(), c.get("template").asText())
                .withDefaults(Tokenizer.qwen3().specialTokensMap());
        Map<String, Object> kwargs = Goldens.map(c.get("kwargs"));
        if (c.has("expected")) {
            String text = t.render(Goldens.list(c.get("messages")), Goldens.list(c.get("tools")),
                    c.get("add_generation_prompt").asBoolean(), kwargs);
            assertEquals(c.get("expected").asText(), text);
            // decode(encode(text)) must give the prompt back (it is NFC and has no lone surrogates)
            assertEquals(text, Tokenizer.qwen3().decode(Tokenizer.qwen3().encode(text), false));
        } else {
            assertThrows(TokenizerException.class, () -> t.render(Goldens.list(c.get("messages")),
                    Goldens.list(c.get("tools")), c.get("add_generation_prompt").asBoolean(), kwargs));
        }
    }

    static Stream<Arguments> qwen3Cases() throws IOException {
        return cases().filter(a -> {
            JsonNode c = (JsonNode) ((Named<?>) a.get()[0]).getPayload();
            return c.get("template").asText().equals("qwen3") && c.has("expected");
        });
    }

    @ParameterizedTest
    @MethodSource("qwen3Cases")
    void encodeChatIsRenderThenEncode(JsonNode c) {
        Tokenizer tok = Tokenizer.qwen3();
        int[] ids = tok.encodeChat(Goldens.list(c.get("messages")), Goldens.list(c.get("tools")),
                c.get("add_generation_prompt").asBoolean(), Goldens.map(c.get("kwargs")));
        assertArrayEquals(tok.encode(c.get("expected").asText()), ids);
    }
}
