package dev.nextinfer.core.safetensors;

import dev.nextinfer.core.checkpoint.CheckpointException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints through the index, and what goes wrong with indexes and shards. */
class CheckpointTest {
    @TempDir
    Path dir;

    private static final String ONE = "{\"x\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}";

    @Test
    void shardedFixtureOpensThroughIndex() {
        try (Checkpoint c = Checkpoint.open(Fixtures.model("tiny-bf16-8l"))) {
            assertEquals(3, c.files().size());
            assertTrue(c.has("model.embed_tokens.weight"));
            assertTrue(c.has("mtp.fc.weight"));
        }
    }

    @Test
    void indexNamingMissingShard() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"x\": \"model-00001-of-00002.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("shard 'model-00001-of-00002.safetensors' (for tensor 'x') does not exist"), e.getMessage());
        assertTrue(e.getMessage().startsWith(dir.resolve(Checkpoint.INDEX_FILE).toString()), e.getMessage());
    }

    @Test
    void indexNamingTensorAbsentFromShard() throws IOException {
        SafetensorsFileTest.raw(dir.resolve("a.safetensors"), ONE, new byte[4]);
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"y\": \"a.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("lists tensor 'y' in 'a.safetensors', which has no such tensor"), e.getMessage());
    }

    @Test
    void indexWithPathTraversal() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": {\"x\": \"../evil.safetensors\"}}");
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("is not a plain file name"), e.getMessage());
    }

    @Test
    void badIndexJson() throws IOException {
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"weight_map\": ");
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoint.open(dir)).getMessage().contains("not valid JSON"));
        Files.writeString(dir.resolve(Checkpoint.INDEX_FILE), "{\"metadata\": {}}");
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoint.open(dir)).getMessage().contains("missing 'weight_map'"));
    }

    @Test
    void noWeightFiles() {
        assertTrue(assertThrows(CheckpointException.class, () -> Checkpoint.open(dir)).getMessage().contains("no *.safetensors files"));
    }

    @Test
    void duplicateTensorAcrossFilesWithoutIndex() throws IOException {
        SafetensorsFileTest.raw(dir.resolve("a.safetensors"), ONE, new byte[4]);
        SafetensorsFileTest.raw(dir.resolve("b.safetensors"), ONE, new byte[4]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.open(dir));
        assertTrue(e.getMessage().contains("tensor 'x' also appears in a.safetensors"), e.getMessage());
    }
}
