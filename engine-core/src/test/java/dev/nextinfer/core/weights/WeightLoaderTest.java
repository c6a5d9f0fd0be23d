package dev.nextinfer.core.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.testing.CheckpointEditor;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.kernels.MatrixFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every tensor the config implies is checked before compute; problems are one line naming file and tensor. */
class WeightLoaderTest {
    @TempDir
    Path dir;

    private static final Path TINY = Fixtures.model("tiny-f32");

    private String loadError(Path ckpt) {
        NextInferException e = assertThrows(NextInferException.class, () -> Qwen3Next.load(ckpt, LoadOptions.defaults()).close());
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void missingTensor() throws IOException {
        Path c = CheckpointEditor.from(TINY).drop(n -> n.equals("model.layers.2.linear_attn.A_log")).writeTo(dir.resolve("c"));
        String msg = loadError(c);
        assertTrue(msg.contains("missing tensor 'model.layers.2.linear_attn.A_log' (expected shape [8])"), msg);
    }

    @Test
    void wrongShapeNamesFileTensorAndExpectation() throws IOException {
        Path c = CheckpointEditor.from(TINY).replace("model.layers.3.self_attn.q_proj.weight", DType.F32, 64, 64).writeTo(dir.resolve("c"));
        String msg = loadError(c);
        assertTrue(msg.startsWith(c.resolve("model.safetensors").toString()), msg);
        assertTrue(msg.contains("tensor 'model.layers.3.self_attn.q_proj.weight' has shape [64, 64], expected [256, 64]"), msg);
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path c = CheckpointEditor.from(TINY).replace("model.norm.weight", DType.I32, 64).writeTo(dir.resolve("c"));
        assertTrue(loadError(c).contains("tensor 'model.norm.weight' has dtype I32, expected one of F32, BF16, F16, F8_E4M3"));
    }

    @Test
    void severalProblemsAreCounted() throws IOException {
        Path c = CheckpointEditor.from(TINY).drop(n -> n.startsWith("model.layers.1.mlp.experts.")).writeTo(dir.resolve("c"));
        String msg = loadError(c);
        assertTrue(msg.contains("missing tensor 'model.layers.1.mlp.experts.0.gate_proj.weight'"), msg);
        assertTrue(msg.contains("(and 47 more problems)"), msg);
    }

    @Test
    void fp8WithoutScale() throws IOException {
        Path src = Fixtures.model("tiny-fp8-b32");
        Path c = CheckpointEditor.from(src).drop(n -> n.equals("model.layers.0.linear_attn.out_proj.weight_scale_inv")).writeTo(dir.resolve("c"));
        assertTrue(loadError(c).contains("F8_E4M3 tensor 'model.layers.0.linear_attn.out_proj.weight' has no "
                + "'model.layers.0.linear_attn.out_proj.weight_scale_inv' (expected F32 [3, 4])"));
    }

    @Test
    void fp8ScaleOfWrongShape() throws IOException {
        Path src = Fixtures.model("tiny-fp8-b32");
        Path c = CheckpointEditor.from(src).replace("model.layers.0.linear_attn.out_proj.weight_scale_inv", DType.F32, 2, 4).writeTo(dir.resolve("c"));
        assertTrue(loadError(c).contains("expected F32 [3, 4] (blocks of 32×32)"));
    }

    @Test
    void missingMtpIsAllowedAndSaidOnce() throws IOException {
        Path c = CheckpointEditor.from(TINY).drop(n -> n.startsWith("mtp.")).writeTo(dir.resolve("c"));
        try (Qwen3Next q = Qwen3Next.load(c, LoadOptions.defaults())) {
            assertFalse(q.hasMtp());
            assertTrue(q.mtpNote().contains("no mtp.* tensors"));
            NextInferException e = assertThrows(NextInferException.class,
                    () -> q.model().mtpForward(new float[64], new int[] {1}, 1, q.model().newState(4), false));
            assertTrue(e.getMessage().contains("multi-token prediction is unavailable"));
        }
    }

    @Test
    void partialMtpIsAnError() throws IOException {
        Path c = CheckpointEditor.from(TINY).drop(n -> n.equals("mtp.fc.weight")).writeTo(dir.resolve("c"));
        assertTrue(loadError(c).contains("missing tensor 'mtp.fc.weight' (expected shape [64, 128])"));
    }

    @Test
    void configWithWrongTypeIsNamedBeforeWeightsAreRead() throws IOException {
        Path c = CheckpointEditor.from(TINY).writeTo(dir.resolve("c"));
        Files.writeString(c.resolve("config.json"), Files.readString(c.resolve("config.json")).replace("\"hidden_size\": 64", "\"hidden_size\": \"64\""));
        assertTrue(loadError(c).contains("config.json: field 'hidden_size': expected an integer, got string \"64\""));
    }

    @Test
    void missingConfigKeyHintsAtDefaults() throws IOException {
        Path c = CheckpointEditor.from(TINY).writeTo(dir.resolve("c"));
        Files.writeString(c.resolve("config.json"), Files.readString(c.resolve("config.json")).replace("\"hidden_size\": 64,", ""));
        String msg = loadError(c);
        assertTrue(msg.contains("expected [512, 2048]") && msg.contains("config.json did not set hidden_size, defaults were used"), msg);
    }

    @Test
    void expectedTensorsCoverTheCheckpointExactly() {
        try (var ckpt = dev.nextinfer.core.safetensors.Checkpoint.open(TINY)) {
            List<String> names = TensorPlan.list(ConfigParser.read(TINY), true).stream().map(TensorPlan.TensorSpec::name).sorted().toList();
            assertEquals(ckpt.names().stream().sorted().toList(), names);
        }
    }

    @Test
    void storedFormatsAreUsedInPlaceByDefault() {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-bf16-8l"), LoadOptions.defaults())) {
            ModelWeights w = q.model().weights();
            assertEquals(MatrixFormat.BF16, w.lmHead().format());
            assertEquals(MatrixFormat.BF16, w.embedTokens().format());
            assertEquals(MatrixFormat.F32, w.layers()[0].moe().gate().format(), "router stays f32");
            assertNotNull(w.mtp());
        }
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-fp8-b32"), LoadOptions.defaults())) {
            assertEquals(MatrixFormat.F32, q.model().weights().layers()[0].linearAttn().outProj().format(), "fp8 widened to f32");
            assertNull(q.mtpNote());
        }
    }
}
