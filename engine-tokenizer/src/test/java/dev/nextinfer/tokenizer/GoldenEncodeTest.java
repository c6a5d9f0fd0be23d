package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every visible "encode" golden case: ids, token strings, and the decoded text. */
class GoldenEncodeTest {
    static Stream<Arguments> cases() {
        return Goldens.ofKind("encode").stream().map(n -> Arguments.of(Named.of(n.get("id").asText(), n)));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void encodesLikeRust(JsonNode c) {
        Tokenizer tok = Tokenizer.qwen3();
        String text = c.get("text").asText();
        int[] ids = tok.encode(text);
        assertArrayEquals(Goldens.ids(c), ids, () -> "ids of " + c.get("id").asText());
        List<String> tokens = new ArrayList<>();
        for (int id : ids) {
            tokens.add(tok.tokenContent(id));
        }
        List<String> expected = new ArrayList<>();
        c.get("tokens").forEach(t -> expected.add(t.asText()));
        assertEquals(expected, tokens);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decodesBackToTheNormalizedText(JsonNode c) {
        Tokenizer tok = Tokenizer.qwen3();
        String decoded = tok.decode(Goldens.ids(c), c.get("skip_special_tokens").asBoolean());
        assertEquals(c.get("decoded").asText(), decoded);
        if (c.get("roundtrip").asBoolean()) {
            assertEquals(c.get("text").asText(), decoded);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void roundTripFlagIsExactlyWhetherNfcChangedTheText(JsonNode c) {
        String text = c.get("text").asText();
        boolean unchanged = CanonicalNormalizer.unicode9().nfc(text).equals(text);
        assertEquals(c.get("roundtrip").asBoolean(), unchanged);
    }
}
