package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every visible "encode" golden case: ids, token strings, and the decoded text. */
class GoldenEncodeTest {
    static Stream<Arguments> cases() {
        return GoldenChecks.cases("encode");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void encodesLikeRust(JsonNode c) {
        GoldenChecks.encodes(Tokenizer.qwen3(), c);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decodesBackToTheNormalizedText(JsonNode c) {
        GoldenChecks.decodesBack(Tokenizer.qwen3(), c);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void roundTripFlagIsExactlyWhetherNfcChangedTheText(JsonNode c) {
        String text = c.get("text").asText();
        boolean unchanged = CanonicalNormalizer.unicode9().nfc(text).equals(text);
        assertEquals(c.get("roundtrip").asBoolean(), unchanged);
    }
}
