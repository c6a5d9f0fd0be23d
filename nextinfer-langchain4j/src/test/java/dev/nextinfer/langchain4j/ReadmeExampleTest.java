package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The README's "Use it from LangChain4j" example is the code below, compiled and run here; the test fails when
 * the README's snippet and this code drift apart.
 */
class ReadmeExampleTest {

    // README-BEGIN
    interface Assistant {
        String chat(String message);
    }

    static class Clock {
        @Tool("The current time")
        String now() {
            return java.time.LocalTime.now().toString();
        }
    }

    public static void main(String[] args) {
        try (Qwen3Next qwen = Qwen3Next.load(Path.of(args[0]), LoadOptions.defaults())) {
            ChatModel model = NextinferChatModel.builder().model(qwen).maxTokens(200).build();
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Clock()).build();
            System.out.println(assistant.chat("What time is it?"));
        }
    }
    // README-END

    @Test
    void readmeSnippetIsThisCode() throws IOException {
        assertEquals(snippet("src/test/java/dev/nextinfer/langchain4j/ReadmeExampleTest.java"),
                readmeBlock("## Use it from LangChain4j"), "README snippet differs from ReadmeExampleTest");
    }

    @Test
    void exampleRuns() {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            main(new String[] {TextModels.small().toString()});
        } finally {
            System.setOut(old);
        }
        assertFalse(buf.toString(StandardCharsets.UTF_8).isEmpty());
    }

    /** The code between the README markers of a test source, dedented. */
    static String snippet(String source) throws IOException {
        Matcher m = Pattern.compile("// README-BEGIN\\n(.*?)\\n\\s*// README-END", Pattern.DOTALL)
                .matcher(Files.readString(Path.of(source)));
        assertTrue(m.find(), "markers in " + source);
        List<String> lines = m.group(1).lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).toList()).strip();
    }

    /** The first java block after {@code heading} in the README. */
    static String readmeBlock(String heading) throws IOException {
        Matcher r = Pattern.compile(Pattern.quote(heading) + "\\n.*?```java\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(Path.of("../README.md")));
        assertTrue(r.find(), "README has a '" + heading + "' section with a java block");
        return r.group(1).strip();
    }
}
