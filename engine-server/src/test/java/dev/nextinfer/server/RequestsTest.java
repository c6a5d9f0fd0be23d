package dev.nextinfer.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.nextinfer.core.GenerationConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Request fields → generation config, without a server: the sampling fields land where they should. */
class RequestsTest {

    private static GenerationConfig config(String body) {
        Requests.Chat chat = Requests.chat(Requests.parseBody(body.getBytes(StandardCharsets.UTF_8)), GenerationConfig.greedy());
        return chat.common().config().build();
    }

    @Test
    void samplingFieldsAreHonoured() {
        GenerationConfig c = config("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "temperature": 0.7, "top_p": 0.8,
                 "presence_penalty": 0.5, "frequency_penalty": -0.25, "seed": 7}""");
        assertEquals(0.7, c.temperature());
        assertEquals(0.8, c.topP());
        assertEquals(0.5, c.presencePenalty());
        assertEquals(-0.25, c.frequencyPenalty());
        assertEquals(7L, c.seed());
    }

    @Test
    void frequencyPenaltyOutOfRangeIs400() {
        ApiError e = assertThrows(ApiError.class, () -> config("""
                {"model": "m", "messages": [{"role": "user", "content": "hi"}], "frequency_penalty": 2.5}"""));
        assertEquals(400, e.status);
        assertEquals("frequency_penalty", e.param);
    }
}
