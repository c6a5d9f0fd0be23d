package dev.nextinfer.tools.quantize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.testing.CheckpointEditor;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** quantize → load: the same matrices as quantising at load time, mapped instead of computed. */
class QuantizerTest {
    @TempDir
    static Path dir;
    private static Path source;
    private static final int[] PROMPT = {5, 17, 300, 42, 999, 0, 8, 8, 8, 123, 77, 500};

    @BeforeAll
    static void synth() throws IOException {
        ObjectNode c = Synthesizer.configJson(SynthPreset.TINY, DType.BF16);
        c.put("vocab_size", 1024);
        c.put("hidden_size", 64);
        c.put("head_dim", 32);
        c.put("linear_key_head_dim", 32);
        c.put("linear_value_head_dim", 32);
        c.put("moe_intermediate_size", 32);
        c.put("shared_expert_intermediate_size", 48); // down_proj cols 48: not blocks of 32, stays bf16
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        source = dir.resolve("src");
        Synthesizer.write(c, source, DType.BF16, 21, 2, LoadListener.NONE);
    }

    private static float[] logits(Path ckpt, WeightFormat format) {
        try (Qwen3Next q = Qwen3Next.load(ckpt, LoadOptions.builder().weights(format).threads(2).build())) {
            return q.model().forward(PROMPT, 0, PROMPT.length, q.model().newState(32), true, false).logits();
        }
    }

    @ParameterizedTest
    @EnumSource(value = WeightFormat.class, names = {"Q8_0", "Q4_0"})
    void quantizedCheckpointMatchesLoadTimeQuantisationExactly(WeightFormat f) throws IOException {
        Path out = dir.resolve("out-" + f.cliName());
        Quantizer.quantize(source, out, f, 2, LoadListener.NONE);
        assertTrue(Files.exists(out.resolve("tokenizer.json")) && Files.exists(out.resolve("config.json")));
        try (Checkpoint ck = Checkpoint.open(out)) {
            assertEquals(DType.U8, ck.info("model.layers.0.linear_attn.in_proj_qkvz.weight").dtype());
            assertEquals(DType.BF16, ck.info("model.layers.0.mlp.shared_expert.down_proj.weight").dtype(), "48 columns: as stored");
            assertEquals(DType.BF16, ck.info("model.embed_tokens.weight").dtype());
            assertEquals(0, ck.info("lm_head.weight").begin() % 64, "64-byte aligned");
        }
        try (Qwen3Next q = Qwen3Next.load(out, LoadOptions.defaults())) { // as stored: mapped, not converted
            assertEquals(f.matrixFormat(), q.model().weights().layers()[0].linearAttn().inProjQkvz().format());
            assertEquals(f.matrixFormat(), q.model().weights().lmHead().format());
            assertEquals(MatrixFormat.BF16, q.model().weights().layers()[0].moe().sharedExpert().downProj().format());
        }
        assertArrayEquals(logits(source, f), logits(out, null), "bit-identical to quantising at load time");
        float[] dequantised = logits(out, WeightFormat.F32);
        assertTrue(Compare.maxAbsDiff(dequantised, 0, logits(out, null), 0, dequantised.length) < 1e-3, "f32 from q-data");
    }

    @Test
    void badInputs() throws IOException {
        assertEquals("quantize writes q8_0 or q4_0, not bf16",
                assertThrows(NextInferException.class, () -> Quantizer.quantize(source, dir.resolve("x"), WeightFormat.BF16, 1, LoadListener.NONE)).getMessage());
        assertTrue(assertThrows(NextInferException.class, () -> Quantizer.quantize(source, source, WeightFormat.Q8_0, 1, LoadListener.NONE))
                .getMessage().contains("must differ"));
        Path broken = CheckpointEditor.from(Fixtures.model("tiny-f32")).drop(n -> n.equals("model.norm.weight")).writeTo(dir.resolve("broken"));
        assertTrue(assertThrows(NextInferException.class, () -> Quantizer.quantize(broken, dir.resolve("y"), WeightFormat.Q8_0, 1, LoadListener.NONE))
                .getMessage().contains("missing tensor 'model.norm.weight'"));
        assertFalse(Files.exists(dir.resolve("y/config.json")), "nothing loadable written");
    }

    @Test
    void truncatedQuantisedTensorIsReported() throws IOException {
        Path out = dir.resolve("trunc");
        Quantizer.quantize(source, out, WeightFormat.Q8_0, 2, LoadListener.NONE);
        Path edited = CheckpointEditor.from(out).replace("model.layers.0.linear_attn.out_proj.weight", DType.U8, 100).writeTo(dir.resolve("trunc2"));
        // the editor drops the metadata, so copy it over by re-marking: the loader sees plain U8 → unsupported dtype
        String msg = assertThrows(NextInferException.class, () -> Qwen3Next.load(edited, LoadOptions.defaults()).close()).getMessage();
        assertTrue(msg.contains("model.layers.0") && msg.contains("U8"), msg);
    }
}
