package dev.nextinfer.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.tokenizer.ChatTemplate;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Tokenizer speed, single-threaded: encode of the ~200 KB "long-001" golden text (the throughput case; the Rust
 * library does about 1.3 MB/s on it), the three hostile inputs of the issue, decode, and a chat render.
 *
 * <p>Run from the repository root (the long text is read from the golden file there, or from
 * {@code -Dnextinfer.golden=FILE}):
 * <pre>
 * scripts/mvn25 -q -o package -pl engine-bench -am -DskipTests
 * $JAVA_HOME/bin/java --add-modules jdk.incubator.vector -jar engine-bench/target/benchmarks.jar TokenizerBench -f 1 -wi 2 -i 3
 * </pre>
 * Add {@code -jvmArgsAppend -Dnextinfer.bpe.cache=false} to measure without the BPE word cache.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-Xss4m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenizerBench {
    private Tokenizer tokenizer;
    private String longText;
    private int[] longIds;
    private String noSpaces1M;
    private String emoji1M;
    private String newlines10M;
    private ChatTemplate template;
    private List<Map<String, Object>> conversation;

    @Setup
    public void setup() throws IOException {
        tokenizer = Tokenizer.qwen3();
        longText = longGoldenText();
        longIds = tokenizer.encode(longText);
        Random rnd = new Random(1);
        StringBuilder sb = new StringBuilder(1 << 20);
        while (sb.length() < (1 << 20)) {
            sb.append((char) ('a' + rnd.nextInt(26)));
        }
        noSpaces1M = sb.toString();
        emoji1M = "😀".repeat((1 << 20) / 4);
        newlines10M = "\n".repeat(10 << 20);
        template = tokenizer.chatTemplate();
        conversation = new ArrayList<>();
        conversation.add(Map.of("role", "system", "content", "You are a helpful assistant."));
        for (int i = 0; i < 10; i++) {
            conversation.add(Map.of("role", "user", "content", "Question " + i + ": what is " + i + " squared?"));
            conversation.add(Map.of("role", "assistant", "content", "<think>\nsquare it\n</think>\n\n" + i * i));
        }
        System.err.printf("long text: %d chars, %d UTF-8 bytes, %d tokens%n", longText.length(),
                longText.getBytes(StandardCharsets.UTF_8).length, longIds.length);
    }

    private static String longGoldenText() throws IOException {
        Path file = Path.of(System.getProperty("nextinfer.golden",
                "engine-tokenizer/src/test/resources/golden/qwen3-golden-visible.jsonl"));
        if (!Files.exists(file)) {
            throw new IllegalStateException(file.toAbsolutePath() + " not found: run from the repository root or set -Dnextinfer.golden");
        }
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            JsonNode n = json.readTree(line);
            if (n.path("id").asText().equals("long-001")) {
                return n.get("text").asText();
            }
        }
        throw new IllegalStateException("no long-001 case in " + file);
    }

    /** The ~200 KB golden text (mixed scripts, code, numbers). */
    @Benchmark
    public int[] encodeLongText() {
        return tokenizer.encode(longText);
    }

    /** Hostile: 1 MiB of random letters, one pre-token, merged with the heap-based BPE. */
    @Benchmark
    public int[] encodeNoSpaces1M() {
        return tokenizer.encode(noSpaces1M);
    }

    /** Hostile: 1 MiB of one repeated emoji (4-byte characters, one pre-token). */
    @Benchmark
    public int[] encodeEmoji1M() {
        return tokenizer.encode(emoji1M);
    }

    /** Hostile: 10 MiB of newlines (one pre-token of 10 M bytes). */
    @Benchmark
    @Warmup(iterations = 1, time = 1)
    @Measurement(iterations = 3, time = 1)
    public int[] encodeNewlines10M() {
        return tokenizer.encode(newlines10M);
    }

    /** Decode of the long text's ids. */
    @Benchmark
    public String decodeLongText() {
        return tokenizer.decode(longIds, false);
    }

    /** Render of a 21-message conversation with the Qwen3 template. */
    @Benchmark
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public String renderChat() {
        return template.render(conversation, null, true, Map.of());
    }
}
