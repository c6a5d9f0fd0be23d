package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * The README's library example is this class's {@code main}, compiled and run here; the test fails when the
 * README's snippet and the code below drift apart.
 */
class ReadmeExampleTest {

    // README-BEGIN
    public static void main(String[] args) {
        Path dir = Path.of(args[0]); // e.g. /models/Qwen3-Next-80B-A3B-Instruct
        try (Qwen3Next model = Qwen3Next.load(dir, LoadOptions.defaults())) {
            Chat chat = model.newChat(ChatOptions.builder().system("You are concise.").build());
            GenerationConfig config = model.generationDefaults().toBuilder().maxTokens(200).seed(42L).build();
            ChatResponse reply = chat.send("Explain the delta rule in one sentence.", config,
                    piece -> System.out.print(piece.text()));
            System.out.printf("%n[%s, %.1f tokens/s]%n", reply.finishReason(), reply.usage().tokensPerSecond());
        }
    }
    // README-END

    @Test
    void readmeSnippetIsThisCode() throws IOException {
        String source = Files.readString(Path.of("src/test/java/dev/nextinfer/core/ReadmeExampleTest.java"));
        Matcher m = Pattern.compile("// README-BEGIN\\n(.*?)\\n\\s*// README-END", Pattern.DOTALL).matcher(source);
        assertTrue(m.find());
        String code = dedent(m.group(1));
        String readme = Files.readString(Path.of("../README.md"));
        Matcher r = Pattern.compile("## Use it as a library.*?```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(r.find(), "README has a 'Use it as a library' section with a java block");
        assertEquals(code, r.group(1).strip(), "README snippet differs from ReadmeExampleTest.main");
        assertTrue(code.lines().count() <= 12, "about ten lines");
    }

    private static String dedent(String block) {
        List<String> lines = block.lines().toList();
        int indent = lines.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        return String.join("\n", lines.stream().map(l -> l.length() >= indent ? l.substring(indent) : l.strip()).toList()).strip();
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
        String out = buf.toString(StandardCharsets.UTF_8);
        assertTrue(out.matches("(?s).*\\n\\[(LENGTH|STOP), \\d+[.,]\\d tokens/s]\\n"), out);
    }
}
