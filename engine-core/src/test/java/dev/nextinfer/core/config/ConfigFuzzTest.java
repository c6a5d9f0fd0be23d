package dev.nextinfer.core.config;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nextinfer.tokenizer.Hostile;
import java.nio.charset.StandardCharsets;

/**
 * Fuzzes {@code config.json}: any bytes either give a config or fail with a one-line {@link ConfigException};
 * an accepted config's sizes are within the documented bounds, so nothing computed from them (memory estimates,
 * tensor shapes) overflows or allocates without limit. Seeds: the official and fixture configs.
 */
class ConfigFuzzTest {

    /** Seeds: the official Qwen3-Next config and the fixtures'. */
    static java.util.stream.Stream<byte[]> seeds() throws java.io.IOException {
        java.nio.file.Path models = dev.nextinfer.core.testing.Fixtures.root().resolve("models");
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        out.add(java.nio.file.Files.readAllBytes(models.resolve("qwen3-next-80b-a3b-instruct.config.json")));
        for (String m : java.util.List.of("tiny-f32", "tiny-bf16-8l", "tiny-fp8-b32", "q3n-256")) {
            out.add(java.nio.file.Files.readAllBytes(models.resolve(m).resolve("config.json")));
        }
        return out.stream();
    }

    @org.junit.jupiter.params.provider.MethodSource("seeds")
    @FuzzTest
    void configJson(byte[] data) {
        Qwen3NextConfig[] c = {null};
        if (Hostile.survives(() -> c[0] = ConfigParser.parse(new String(data, StandardCharsets.UTF_8), "fuzz/config.json"),
                ConfigException.class)) {
            Qwen3NextConfig cfg = c[0];
            if (cfg.numHiddenLayers() > ConfigParser.MAX_LAYERS || cfg.hiddenSize() > ConfigParser.MAX_WIDTH
                    || cfg.vocabSize() > ConfigParser.MAX_VOCAB || cfg.numExperts() > ConfigParser.MAX_EXPERTS) {
                throw new AssertionError("accepted a config past the bounds: " + cfg);
            }
            cfg.layerTypes().size();
        }
    }
}
