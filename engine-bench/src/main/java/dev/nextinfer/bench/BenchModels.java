package dev.nextinfer.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Synthetic checkpoints for the benchmarks, written once per JVM into a temporary folder. */
final class BenchModels {
    private BenchModels() {
    }

    /**
     * One decoder layer of {@code layerType} with the real Qwen3-Next-80B-A3B layer shapes and 32 experts (the
     * {@code a3b-e32} preset), a 1024-token vocabulary so embedding and lm_head cost nothing, bf16.
     */
    static Path singleLayer(String layerType) {
        ObjectNode c = Synthesizer.configJson(SynthPreset.A3B_E32, DType.BF16);
        c.put("num_hidden_layers", 1);
        c.put("vocab_size", 1024);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        ArrayNode types = c.putArray("layer_types");
        types.add(layerType);
        return write("layer-" + layerType, c);
    }

    private static Path write(String name, ObjectNode config) {
        try {
            Path dir = Files.createTempDirectory("nextinfer-bench-" + name + "-");
            Synthesizer.write(config, dir, DType.BF16, 7, Runtime.getRuntime().availableProcessors(), LoadListener.NONE);
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a benchmark checkpoint folder. */
    static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // temporary files; the OS cleans up eventually
        }
    }
}
