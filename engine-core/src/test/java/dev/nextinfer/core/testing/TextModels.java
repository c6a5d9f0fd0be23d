package dev.nextinfer.core.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Small random-weight checkpoints with the real Qwen3 tokenizer for the text-level tests: the real 151,936-token
 * vocabulary (so every tokenizer id is a valid token) with tiny widths (hidden 64, bf16: about 40 MB). Written once per JVM into a temporary folder that is deleted at exit.
 */
public final class TextModels {
    private static Path small;

    private TextModels() {
    }

    /** The config: the tiny preset shrunk to hidden 64, vocabulary 151,936. */
    public static ObjectNode smallConfig() {
        ObjectNode c = Synthesizer.configJson(SynthPreset.TINY, DType.BF16);
        c.put("vocab_size", 151936);
        c.put("hidden_size", 64);
        c.put("head_dim", 32);
        c.put("linear_key_head_dim", 16);
        c.put("linear_value_head_dim", 16);
        c.put("moe_intermediate_size", 32);
        c.put("shared_expert_intermediate_size", 48);
        c.put("intermediate_size", 96);
        return c;
    }

    /** The small checkpoint (config.json, bf16 weights, MTP head, tokenizer files, generation_config.json). */
    public static synchronized Path small() {
        if (small == null) {
            try {
                Path dir = Files.createTempDirectory("nextinfer-text-model-");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
                Synthesizer.write(smallConfig(), dir, DType.BF16, 11, 2, LoadListener.NONE);
                small = dir;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return small;
    }

    /** Copies the small checkpoint into {@code target} with another chat template (e.g. a Qwen3-Next one). */
    public static Path withChatTemplate(Path target, String templateSource) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(small())) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        Files.writeString(target.resolve("chat_template.jinja"), templateSource);
        return target;
    }

    /** A bundled Qwen3-Next chat template: {@code Instruct} or {@code Thinking}. */
    public static String qwen3NextTemplate(String variant) {
        String name = "/dev/nextinfer/tokenizer/qwen3-next/Qwen3-Next-80B-A3B-" + variant + ".chat_template.jinja";
        try (var in = TextModels.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort at exit
        }
    }
}
