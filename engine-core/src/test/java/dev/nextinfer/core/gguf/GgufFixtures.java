package dev.nextinfer.core.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The project's copy of the GGUF fixtures ({@code models/q3n-256/}): one random-weight Qwen3-Next model written
 * by llama.cpp's converter as BF16 and quantised by {@code llama-quantize} to several types, with llama.cpp's
 * outputs ({@code llama/}) and the exact float64 outputs for each file's own weights ({@code exact/}).
 */
final class GgufFixtures {
    /** Quantised variants with {@code exact/} outputs. */
    static final List<String> QUANTISED = List.of("Q8_0", "Q6_K", "Q4_K_M", "Q4_K_M-legacy", "Q2_K", "IQ4_XS", "MXFP4_MOE");
    /** Prompt lengths of the GGUF reference outputs. */
    static final List<Integer> LENGTHS = List.of(7, 64, 200);

    private static final ObjectMapper JSON = new ObjectMapper();

    private GgufFixtures() {
    }

    static Path dir() {
        return Fixtures.root().resolve("models/q3n-256");
    }

    /** The GGUF file of a variant, e.g. {@code file("Q4_K_M")}. */
    static Path file(String variant) {
        return dir().resolve(variant).resolve("q3n-256-" + variant + ".gguf");
    }

    /** The same model as a Hugging Face checkpoint (BF16 safetensors) with float64 goldens. */
    static Path safetensors() {
        return dir().resolve("safetensors");
    }

    static JsonNode summary(String variant) {
        try {
            return JSON.readTree(dir().resolve(variant).resolve("summary.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode prompt(String variant, int length) {
        return summary(variant).get("prompts").get("prompt_L" + length);
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    /** {@code exact/prompt_L{length}.{what}.npy} of a variant. */
    static Npy.Array exact(String variant, int length, String what) {
        return Npy.read(dir().resolve(variant).resolve("exact/prompt_L" + length + "." + what + ".npy"));
    }

    /** {@code llama/prompt_L{length}.logits.npy} of a variant. */
    static Npy.Array llama(String variant, int length) {
        return Npy.read(dir().resolve(variant).resolve("llama/prompt_L" + length + ".logits.npy"));
    }
}
