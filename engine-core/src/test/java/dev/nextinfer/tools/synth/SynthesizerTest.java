package dev.nextinfer.tools.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.weights.LoadListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** synth → load → forward: the written checkpoint loads, gives non-degenerate logits, and is deterministic. */
class SynthesizerTest {
    @TempDir
    Path dir;

    /** A quick variant of the tiny preset: small vocab and widths. */
    static ObjectNode small() {
        ObjectNode c = Synthesizer.configJson(SynthPreset.TINY, DType.F32);
        c.put("vocab_size", 1000);
        c.put("hidden_size", 64);
        c.put("head_dim", 32);
        c.put("linear_key_head_dim", 16);
        c.put("linear_value_head_dim", 16);
        c.put("moe_intermediate_size", 32);
        c.put("shared_expert_intermediate_size", 48);
        c.put("intermediate_size", 96);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        return c;
    }

    @Test
    void presetA3bL4HasTheRealShapesInFourLayers() throws IOException {
        assertEquals(SynthPreset.A3B_L4, SynthPreset.parse("a3b-l4"));
        dev.nextinfer.core.config.Qwen3NextConfig real = dev.nextinfer.core.config.ConfigParser.parse(
                Synthesizer.configJson(SynthPreset.A3B, DType.BF16).toString(), "a3b");
        dev.nextinfer.core.config.Qwen3NextConfig l4 = dev.nextinfer.core.config.ConfigParser.parse(
                Synthesizer.configJson(SynthPreset.A3B_L4, DType.BF16).toString(), "a3b-l4");
        assertEquals(4, l4.numHiddenLayers());
        assertEquals(1, l4.numFullAttentionLayers()); // as in every 4 of the real 48
        assertEquals(real.numExperts(), l4.numExperts());
        assertEquals(512, l4.numExperts());
        assertEquals(real.numExpertsPerTok(), l4.numExpertsPerTok());
        assertEquals(real.hiddenSize(), l4.hiddenSize());
        assertEquals(real.moeIntermediateSize(), l4.moeIntermediateSize());
        assertEquals(real.vocabSize(), l4.vocabSize());
    }

    @Test
    void roundTripGivesNonDegenerateLogits() throws IOException {
        Synthesizer.write(small(), dir, DType.BF16, 7, 2, LoadListener.NONE);
        assertTrue(Files.exists(dir.resolve("tokenizer.json")));
        assertTrue(Files.exists(dir.resolve("generation_config.json")));
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.builder().threads(2).build())) {
            assertTrue(q.hasMtp());
            Qwen3NextModel m = q.model();
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = (i * 37 + 11) % 1000;
            }
            float[] logits = m.forward(prompt, 0, prompt.length, m.newState(64), true, false).logits();
            int distinctArgmax = 0;
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            for (int t = 0; t < prompt.length; t++) {
                double mean = 0;
                double sq = 0;
                for (int v = 0; v < 1000; v++) {
                    float x = logits[t * 1000 + v];
                    assertTrue(Float.isFinite(x));
                    mean += x;
                    sq += x * x;
                }
                mean /= 1000;
                double std = Math.sqrt(sq / 1000 - mean * mean);
                assertTrue(std > 0.5 && std < 20, "logit std " + std + " at " + t);
                float[] p = java.util.Arrays.copyOfRange(logits, t * 1000, (t + 1) * 1000);
                dev.nextinfer.kernels.Softmax.softmax(p, 0, 1000);
                float max = 0;
                for (float x : p) {
                    max = Math.max(max, x);
                }
                assertTrue(max < 0.99, "near one-hot distribution at " + t);
                if (seen.add(dev.nextinfer.kernels.VectorOps.argmax(logits, t * 1000, 1000))) {
                    distinctArgmax++;
                }
            }
            assertTrue(distinctArgmax > 10, "argmax varies with the input: " + distinctArgmax);
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherBytes() throws IOException {
        Synthesizer.write(small(), dir.resolve("a"), DType.BF16, 5, 1, LoadListener.NONE);
        Synthesizer.write(small(), dir.resolve("b"), DType.BF16, 5, 2, LoadListener.NONE);
        Synthesizer.write(small(), dir.resolve("c"), DType.BF16, 6, 2, LoadListener.NONE);
        byte[] a = Files.readAllBytes(dir.resolve("a/model.safetensors"));
        assertArrayEquals(a, Files.readAllBytes(dir.resolve("b/model.safetensors")));
        assertFalse(java.util.Arrays.equals(a, Files.readAllBytes(dir.resolve("c/model.safetensors"))));
    }

    @Test
    void shardedOutputHasIndexAndLoads() throws IOException {
        Synthesizer.write(small(), dir, DType.F32, 1, 2, LoadListener.NONE, 2_000_000);
        assertTrue(Files.exists(dir.resolve(Checkpoint.INDEX_FILE)));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.filter(p -> p.getFileName().toString().matches("model-\\d{5}-of-\\d{5}\\.safetensors")).count() > 1);
        }
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.defaults())) {
            assertEquals(4, q.config().numHiddenLayers());
        }
    }

    /** Dense-MLP layers, tied embeddings, an explicit layer pattern: load, and prefill agrees with decode. */
    @Test
    void architectureVariantsLoadAndStayConsistent() throws IOException {
        ObjectNode c = small();
        c.put("tie_word_embeddings", true);
        c.putArray("mlp_only_layers").add(1);
        c.put("num_hidden_layers", 5);
        var types = c.putArray("layer_types");
        for (String t : new String[] {"linear_attention", "full_attention", "linear_attention", "linear_attention", "full_attention"}) {
            types.add(t);
        }
        Synthesizer.write(c, dir, DType.F32, 3, 2, LoadListener.NONE);
        try (Checkpoint ck = Checkpoint.open(dir)) {
            assertFalse(ck.has("lm_head.weight"), "tied: no lm_head tensor");
            assertTrue(ck.has("model.layers.1.mlp.gate_proj.weight"), "dense MLP in layer 1");
        }
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.builder().threads(2).build())) {
            Qwen3NextModel m = q.model();
            assertTrue(m.weights().lmHead() == m.weights().embedTokens());
            int[] prompt = {5, 17, 300, 42, 999, 0, 8, 8, 8, 123};
            float[] whole = m.forward(prompt, 0, prompt.length, m.newState(16), true, false).logits();
            SequenceState s = m.newState(16);
            for (int t = 0; t < prompt.length; t++) {
                float[] step = m.forward(prompt, t, t + 1, s, false, false).logits();
                assertTrue(Compare.maxAbsDiff(step, 0, whole, t * 1000, 1000) <= 1e-3, "position " + t);
            }
        }
    }
}
