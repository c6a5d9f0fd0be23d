package example;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.langchain4j.NextinferChatModel;
import java.nio.file.Path;

/**
 * A LangChain4j AI service with one tool, on a local Qwen3-Next model: the model may call {@link Weather#current}
 * and answers from its result.
 * Run: {@code java --add-modules jdk.incubator.vector -cp … example.WeatherAssistant /models/Qwen3-Next-80B-A3B-Instruct}
 */
public final class WeatherAssistant {
    private WeatherAssistant() {
    }

    /** The AI service. */
    public interface Assistant {
        /** Answers a question, calling tools as the model decides. */
        String chat(String question);
    }

    /** The tool. */
    public static final class Weather {
        /** Cities asked about, for the curious. */
        public final java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();

        /** The current weather of a city (made up). */
        @Tool("The current weather of a city")
        public String current(@P("the city") String city) {
            asked.add(city);
            return "18°C and sunny in " + city;
        }
    }

    /** An assistant on {@code model} with the weather tool. */
    public static Assistant assistant(ChatModel model, Weather weather) {
        return AiServices.builder(Assistant.class).chatModel(model).tools(weather).build();
    }

    /** {@code args[0]}: the checkpoint folder; {@code args[1]} (optional): the question. */
    public static void main(String[] args) {
        String question = args.length > 1 ? args[1] : "What is the weather in Paris?";
        try (Qwen3Next qwen = Qwen3Next.load(Path.of(args[0]), LoadOptions.defaults())) {
            ChatModel model = NextinferChatModel.builder().model(qwen).maxTokens(256).build();
            System.out.println(assistant(model, new Weather()).chat(question));
        }
    }
}
