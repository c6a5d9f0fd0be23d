package dev.nextinfer.core.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.tokenizer.Hostile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes the safetensors header (a whole file's bytes, in memory) and the sharded checkpoint's
 * {@code model.safetensors.index.json}: bad bytes fail with a one-line {@link CheckpointException}, never another
 * exception, a large allocation or a hang; what is accepted is consistent (every tensor's bytes inside the data,
 * no two overlapping — checked again here), and every index entry resolves to a plain file in the folder. Seeds:
 * the fixture checkpoints' headers and index (src/test/resources/…/SafetensorsFuzzTestInputs).
 */
class SafetensorsFuzzTest {
    private static final Path FILE = Path.of("fuzz.safetensors");
    private static final Path DIR = Path.of("/models/fuzz");

    /** Seeds: a small valid file with the fixture's tensor names and dtypes, and the fixture headers as they are. */
    static java.util.stream.Stream<byte[]> headerSeeds() throws java.io.IOException {
        return FuzzSeeds.safetensorsFiles().stream();
    }

    @MethodSource("headerSeeds")
    @FuzzTest
    void header(byte[] data) {
        SafetensorsFile.Parsed[] parsed = {null};
        if (Hostile.survives(() -> parsed[0] = SafetensorsFile.readHeader(FILE, data.length, (buf, pos) -> {
            buf.put(data, Math.toIntExact(pos), buf.remaining());
        }), CheckpointException.class)) {
            long dataSize = data.length - parsed[0].dataStart();
            for (TensorInfo t : parsed[0].tensors().values()) {
                if (t.begin() < 0 || t.end() < t.begin() || t.end() > dataSize) {
                    throw new AssertionError("accepted a tensor outside the data: " + t);
                }
                ByteBuffer.wrap(data, Math.toIntExact(parsed[0].dataStart() + t.begin()), Math.toIntExact(t.end() - t.begin()));
            }
        }
    }

    /** Seeds: the sharded fixture's index, and a two-entry one. */
    static java.util.stream.Stream<byte[]> indexSeeds() throws java.io.IOException {
        return java.util.stream.Stream.of(
                java.nio.file.Files.readAllBytes(dev.nextinfer.core.testing.Fixtures.model("tiny-bf16-8l").resolve(Checkpoint.INDEX_FILE)),
                "{\"metadata\": {\"total_size\": 8}, \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\", \"b\": \"x.safetensors\"}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                // regressions: a NUL in a shard name (was an InvalidPathException), a name leaving the folder
                "{\"weight_map\": {\"a\": \"x\\u0000.safetensors\", \"b\": \"../../etc/passwd\"}}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @MethodSource("indexSeeds")
    @FuzzTest
    void index(byte[] data) {
        Map<String, String>[] map = new Map[1];
        if (Hostile.survives(() -> map[0] = Checkpoint.parseIndex(DIR.resolve(Checkpoint.INDEX_FILE), data), CheckpointException.class)) {
            for (Map.Entry<String, String> e : map[0].entrySet()) {
                Path[] p = {null};
                if (Hostile.survives(() -> p[0] = Checkpoint.shardPath(DIR, DIR.resolve(Checkpoint.INDEX_FILE), e.getValue(), e.getKey()),
                        CheckpointException.class) && !DIR.equals(p[0].getParent())) {
                    throw new AssertionError("an index entry points outside the folder: " + e.getValue() + " → " + p[0]);
                }
            }
        }
    }
}
