package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The checks of the visible golden cases against any tokenizer, so that a tokenizer built another way (from a
 * GGUF file, in engine-core's tests) is held to exactly the same cases as the bundled one. Shared through this
 * module's test jar.
 */
public final class GoldenChecks {
    private GoldenChecks() {
    }

    /** The cases of one kind ({@code "encode"}, {@code "decode"}, {@code "chat"}), named by their id. */
    public static Stream<Arguments> cases(String kind) {
        return Goldens.ofKind(kind).stream().map(n -> Arguments.of(Named.of(n.get("id").asText(), n)));
    }

    /** The cases (of any kind) that list the decoded text of every prefix of their ids. */
    public static Stream<Arguments> streamingCases() {
        return Goldens.all().stream().filter(n -> !n.get("decoded_prefixes").isNull())
                .map(n -> Arguments.of(Named.of(n.get("id").asText(), n)));
    }

    /** An "encode" case: the ids and the token strings. */
    public static void encodes(Tokenizer tok, JsonNode c) {
        int[] ids = tok.encode(c.get("text").asText());
        assertArrayEquals(Goldens.ids(c), ids, () -> "ids of " + c.get("id").asText());
        List<String> tokens = new ArrayList<>();
        for (int id : ids) {
            tokens.add(tok.tokenContent(id));
        }
        List<String> expected = new ArrayList<>();
        c.get("tokens").forEach(t -> expected.add(t.asText()));
        assertEquals(expected, tokens);
    }

    /** An "encode" case: its ids decode to the normalized text (to the text itself when it round-trips). */
    public static void decodesBack(Tokenizer tok, JsonNode c) {
        String decoded = tok.decode(Goldens.ids(c), c.get("skip_special_tokens").asBoolean());
        assertEquals(c.get("decoded").asText(), decoded);
        if (c.get("roundtrip").asBoolean()) {
            assertEquals(c.get("text").asText(), decoded);
        }
    }

    /** A "decode" case, whole. */
    public static void decodes(Tokenizer tok, JsonNode c) {
        assertEquals(c.get("decoded").asText(), tok.decode(Goldens.ids(c), c.get("skip_special_tokens").asBoolean()));
    }

    /** A "decode" case, streamed one id at a time. */
    public static void streams(Tokenizer tok, JsonNode c) {
        StreamingDecoder d = tok.newStreamingDecoder(c.get("skip_special_tokens").asBoolean());
        StringBuilder sb = new StringBuilder();
        for (int id : Goldens.ids(c)) {
            sb.append(d.push(id));
        }
        sb.append(d.flush());
        assertEquals(c.get("decoded").asText(), sb.toString());
    }

    /**
     * decoded_prefixes[k] = decode(ids[0..k]). After k+1 pushes the emitted text plus what a flush would add
     * equals it, and the emitted part holds no replacement character that later bytes could still avoid.
     */
    public static void streamsPrefixes(Tokenizer tok, JsonNode c) {
        int[] ids = Goldens.ids(c);
        StreamingDecoder d = tok.newStreamingDecoder(c.get("skip_special_tokens").asBoolean());
        StringBuilder emitted = new StringBuilder();
        JsonNode prefixes = c.get("decoded_prefixes");
        assertEquals(ids.length, prefixes.size());
        for (int k = 0; k < ids.length; k++) {
            emitted.append(d.push(ids[k]));
            String expected = prefixes.get(k).asText();
            assertEquals(expected, emitted + d.pending(), "prefix " + k);
            assertTrue(expected.startsWith(emitted.toString()), "prefix " + k);
            if (!d.pending().isEmpty()) {
                // held back: exactly the incomplete tail, shown as one U+FFFD by a full decode
                assertTrue(expected.endsWith("\uFFFD"), "prefix " + k);
                assertFalse(emitted.toString().endsWith("\uFFFD") && d.pending().isEmpty());
            }
        }
        assertEquals(c.get("decoded").asText(), emitted + d.flush());
    }

    /** A "chat" case: the rendered text (with {@link #template}) and its ids. */
    public static void rendersChat(Tokenizer tok, JsonNode c) {
        ChatTemplate t = template(tok, c.get("template").asText());
        Map<String, Object> kwargs = Goldens.map(c.get("chat_template_kwargs"));
        String text = t.render(Goldens.list(c.get("messages")), Goldens.list(c.get("tools")),
                c.get("add_generation_prompt").asBoolean(), kwargs);
        assertEquals(c.get("text").asText(), text);
        assertArrayEquals(Goldens.ids(c), tok.encode(text));
    }

    /**
     * A template of the golden files by name: {@code qwen3} is {@code tok}'s own; the two Qwen3-Next templates
     * are the ones bundled with this module.
     */
    public static ChatTemplate template(Tokenizer tok, String name) {
        return switch (name) {
            case "qwen3" -> tok.chatTemplate();
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
}
