package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The visible "chat" golden cases: rendered text and its ids, for the three templates. */
class GoldenChatTest {
    static Stream<Arguments> cases() {
        return GoldenChecks.cases("chat");
    }

    @ParameterizedTest
    @MethodSource("cases")
    void rendersAndEncodesLikeTransformers(JsonNode c) {
        GoldenChecks.rendersChat(Tokenizer.qwen3(), c);
    }
}
