package dev.nextinfer.server;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the OpenAI request bodies as the server reads them — JSON, every field, messages, tools, the model's chat
 * template, the tokenizer, the context and memory checks — up to the point where a request would wait for a
 * slot. Any body either makes a runnable job or is refused with what the client is answered: an error of status
 * 400, 404 or 413 with a one-line message (never 500, which is a bug). Seeds: the requests of the server tests.
 */
class RequestFuzzTest {
    private static Endpoints endpoints;

    private static synchronized Endpoints endpoints() {
        if (endpoints == null) {
            Qwen3Next model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(1).contextLength(512).build());
            ServerConfig config = ServerConfig.builder().modelName("m").build();
            endpoints = new Endpoints(model, config, "m", new Admission(1, 0), new SessionPool(model, 1));
        }
        return endpoints;
    }

    static Stream<byte[]> chatSeeds() {
        return Stream.of(
                "{\"model\": \"m\", \"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\","
                        + " \"content\": \"What is a state space model?\"}], \"max_tokens\": 10, \"temperature\": 0, \"stream\": true,"
                        + " \"stream_options\": {\"include_usage\": true}, \"seed\": 7, \"stop\": [\"\\n\", \"end\"]}",
                "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, {\"role\": \"assistant\", \"content\": null,"
                        + " \"tool_calls\": [{\"id\": \"call_1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                        + " \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, {\"role\": \"tool\", \"tool_call_id\": \"call_1\","
                        + " \"content\": \"18°C\"}], \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                        + " \"description\": \"Weather of a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\":"
                        + " {\"type\": \"string\"}}}}}], \"tool_choice\": \"auto\", \"max_tokens\": 4}",
                "{\"messages\": [{\"role\": \"developer\", \"content\": [{\"type\": \"text\", \"text\": \"hi\"}]}, {\"role\": \"assistant\","
                        + " \"content\": \"ok\", \"reasoning_content\": \"thinking\"}], \"top_p\": 0.9, \"top_k\": 20, \"min_p\": 0.05,"
                        + " \"presence_penalty\": 1, \"frequency_penalty\": -0.5, \"repetition_penalty\": 1.1, \"n\": 1,"
                        + " \"chat_template_kwargs\": {\"enable_thinking\": false}, \"response_format\": {\"type\": \"text\"},"
                        + " \"max_completion_tokens\": 3}").map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    static Stream<byte[]> textSeeds() {
        return Stream.of("{\"model\": \"m\", \"prompt\": \"Once upon a time<|im_end|>\", \"max_tokens\": 5, \"temperature\": 0.8,"
                        + " \"seed\": 3, \"stop\": \"\\n\", \"stream\": false}",
                "{\"prompt\": [[1, 2, 151643]], \"max_tokens\": 2, \"echo\": false, \"best_of\": 1, \"logprobs\": null}",
                "{\"prompt\": [\"hi\"], \"suffix\": null, \"stream\": true, \"stream_options\": {\"include_usage\": false}}")
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    @MethodSource("chatSeeds")
    @FuzzTest
    void chatCompletion(byte[] body) {
        try {
            endpoints().chatJob(body);
        } catch (Throwable t) {
            refused(t);
        }
    }

    @MethodSource("textSeeds")
    @FuzzTest
    void completion(byte[] body) {
        try {
            endpoints().textJob(body);
        } catch (Throwable t) {
            refused(t);
        }
    }

    /** The answer a refused request gets must be a client error with a one-line message; anything else escapes. */
    private static void refused(Throwable t) {
        ApiError e = ErrorResponses.of(t);
        if (e.status >= 500) {
            if (t instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError("a request body made the server answer " + e.status + ": " + e.getMessage(), t);
        }
        dev.nextinfer.tokenizer.Hostile.requireOneLine(e);
    }
}
