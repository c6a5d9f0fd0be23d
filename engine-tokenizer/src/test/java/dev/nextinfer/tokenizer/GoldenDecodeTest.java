package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The visible "decode" golden cases, whole and streamed. */
class GoldenDecodeTest {
    static Stream<Arguments> cases() {
        return GoldenChecks.cases("decode");
    }

    static Stream<Arguments> streamingCases() {
        return GoldenChecks.streamingCases();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void decodesLikeRust(JsonNode c) {
        GoldenChecks.decodes(Tokenizer.qwen3(), c);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void streamingGivesTheSameText(JsonNode c) {
        GoldenChecks.streams(Tokenizer.qwen3(), c);
    }

    @ParameterizedTest
    @MethodSource("streamingCases")
    void streamingPrefixes(JsonNode c) {
        GoldenChecks.streamsPrefixes(Tokenizer.qwen3(), c);
    }
}
