package dev.nextinfer.core.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nextinfer.core.testing.VocabGguf;
import dev.nextinfer.tokenizer.GoldenChecks;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every visible tokenizer golden case (encode, decode, streaming, chat), with the tokenizer read from the
 * vocabulary GGUF alone: the checks engine-tokenizer runs on its bundled {@code tokenizer.json}.
 */
class GgufTokenizerGoldenTest {
    static Stream<Arguments> encodeCases() {
        return GoldenChecks.cases("encode");
    }

    static Stream<Arguments> decodeCases() {
        return GoldenChecks.cases("decode");
    }

    static Stream<Arguments> streamingCases() {
        return GoldenChecks.streamingCases();
    }

    static Stream<Arguments> chatCases() {
        return GoldenChecks.cases("chat");
    }

    private static Tokenizer tok() {
        return VocabGguf.tokenizer();
    }

    @ParameterizedTest
    @MethodSource("encodeCases")
    void encodes(JsonNode c) {
        GoldenChecks.encodes(tok(), c);
        GoldenChecks.decodesBack(tok(), c);
    }

    @ParameterizedTest
    @MethodSource("decodeCases")
    void decodes(JsonNode c) {
        GoldenChecks.decodes(tok(), c);
        GoldenChecks.streams(tok(), c);
    }

    @ParameterizedTest
    @MethodSource("streamingCases")
    void streamsPrefixes(JsonNode c) {
        GoldenChecks.streamsPrefixes(tok(), c);
    }

    @ParameterizedTest
    @MethodSource("chatCases")
    void rendersChat(JsonNode c) {
        GoldenChecks.rendersChat(tok(), c);
    }
}
