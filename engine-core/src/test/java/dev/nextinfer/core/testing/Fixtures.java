package dev.nextinfer.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The project's copies of the reference fixtures under {@code models/} at the repository root. */
public final class Fixtures {
    /** The three checkpoints with golden outputs. */
    public static final List<String> MODELS = List.of("tiny-f32", "tiny-bf16-8l", "tiny-fp8-b32");
    /** Prompt lengths of the golden prompts. */
    public static final List<Integer> PROMPT_LENGTHS = List.of(1, 7, 64, 200);

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {
    }

    /** The repository root (the folder holding {@code models/}). */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("models/tiny-f32"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("models/ not found above " + Path.of("").toAbsolutePath());
    }

    /** A fixture checkpoint folder. */
    public static Path model(String name) {
        return root().resolve("models").resolve(name);
    }

    /** {@code golden/summary.json} of a fixture. */
    public static JsonNode summary(String model) {
        try {
            return JSON.readTree(model(model).resolve("golden/summary.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The prompt ids of length {@code L}. */
    public static int[] prompt(String model, int length) {
        return ints(summary(model).get("prompts").get("prompt_L" + length).get("ids"));
    }

    /** The 16 golden greedy tokens after the prompt of length {@code L}. */
    public static int[] greedy(String model, int length) {
        return ints(summary(model).get("prompts").get("prompt_L" + length).get("greedy"));
    }

    /** A golden array, e.g. {@code golden("tiny-f32", 7, "logits")}. */
    public static Npy.Array golden(String model, int length, String what) {
        return Npy.read(model(model).resolve("golden/prompt_L" + length + "." + what + ".npy"));
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }
}
