package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The visible "decode" golden cases, whole and streamed. */
class GoldenDecodeTest {
    static Stream<Arguments> cases() {
        return Goldens.ofKind("decode").stream().map(n -> Arguments.of(Named.of(n.get("id").asText(), n)));
    }

    static Stream<Arguments> streamingCases() {
        return Goldens.all().stream().filter(n -> !n.get("decoded_prefixes").isNull())
                .map(n -> Arguments.of(Named.of(n.get("id").asText(), n)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decodesLikeRust(JsonNode c) {
        String decoded = Tokenizer.qwen3().decode(Goldens.ids(c), c.get("skip_special_tokens").asBoolean());
        assertEquals(c.get("decoded").asText(), decoded);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void streamingGivesTheSameText(JsonNode c) {
        boolean skip = c.get("skip_special_tokens").asBoolean();
        StreamingDecoder d = Tokenizer.qwen3().newStreamingDecoder(skip);
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
    @ParameterizedTest
    @MethodSource("streamingCases")
    void streamingPrefixes(JsonNode c) {
        int[] ids = Goldens.ids(c);
        StreamingDecoder d = Tokenizer.qwen3().newStreamingDecoder(c.get("skip_special_tokens").asBoolean());
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
}
