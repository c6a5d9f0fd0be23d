package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.listener.ChatModelRequestContext;
import dev.langchain4j.model.chat.listener.ChatModelResponseContext;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.langchain4j.NextinferChatModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Runs the AI service on a real checkpoint: {@code mvn test -Dnextinfer.test.model=/path/to/checkpoint}. A
 * random-weight test checkpoint answers noise (and will not call the tool); the test checks that the tool is offered
 * and that a real generation completes.
 */
class WeatherAssistantTest {
    static Path model() {
        String dir = System.getProperty("nextinfer.test.model", "");
        if (dir.isBlank() || dir.startsWith("${") || !Files.isDirectory(Path.of(dir))) {
            throw new IllegalStateException("set -Dnextinfer.test.model=<checkpoint folder>, e.g. one made by "
                    + "`./nextinfer synth --preset tiny --out /tmp/tiny` (got '" + dir + "')");
        }
        return Path.of(dir);
    }

    @Test
    void answersWithTheToolOffered() {
        List<List<ToolSpecification>> offered = new CopyOnWriteArrayList<>();
        List<Integer> outputTokens = new CopyOnWriteArrayList<>();
        ChatModelListener spy = new ChatModelListener() {
            @Override
            public void onRequest(ChatModelRequestContext context) {
                offered.add(context.chatRequest().toolSpecifications());
            }

            @Override
            public void onResponse(ChatModelResponseContext context) {
                outputTokens.add(context.chatResponse().tokenUsage().outputTokenCount());
            }
        };
        try (Qwen3Next qwen = Qwen3Next.load(model(), LoadOptions.builder().threads(2).build())) {
            NextinferChatModel chatModel = NextinferChatModel.builder().model(qwen).maxTokens(24).seed(7L)
                    .listeners(spy).build();
            String answer = WeatherAssistant.assistant(chatModel, new WeatherAssistant.Weather())
                    .chat("What is the weather in Paris?");
            assertNotNull(answer);
            System.out.println("answer: " + answer);
        }
        assertEquals("current", offered.getFirst().getFirst().name());
        assertTrue(outputTokens.getFirst() >= 1 && outputTokens.getFirst() <= 24, outputTokens.toString());
    }
}
