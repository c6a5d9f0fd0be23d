package dev.nextinfer.core.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.decode.MtpDecoder;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.sampling.SamplingTransform;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.tools.synth.CycleCheckpoint;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The accept path, on {@link CycleCheckpoint}s where the MTP head predicts what the main model will say: with a
 * dominant cycle every draft is accepted; with a weak one the main model leaves the cycle now and then, so rounds
 * end anywhere from no draft to all drafts accepted. Either way the tokens are exactly plain greedy's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CycleSpeculationTest {
    private static final int VOCAB = 1000;
    private static final int N = 64;

    private Qwen3Next dominant;
    private Qwen3Next weak;

    /** A small, quick variant of the tiny preset (as in {@code SynthesizerTest}). */
    static ObjectNode smallConfig() {
        ObjectNode c = Synthesizer.configJson(SynthPreset.TINY, DType.F32);
        c.put("vocab_size", VOCAB);
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

    static Qwen3Next cycle(Path dir, double scale) throws IOException {
        Synthesizer.write(smallConfig(), dir, DType.F32, 11, 2, LoadListener.NONE);
        CycleCheckpoint.rewrite(dir, scale, 5);
        return Qwen3Next.load(dir, LoadOptions.builder().threads(1).build());
    }

    @BeforeAll
    void build(@TempDir Path dir) throws IOException {
        dominant = cycle(dir.resolve("dominant"), 4);
        weak = cycle(dir.resolve("weak"), 0.4);
    }

    @AfterAll
    void close() {
        dominant.close();
        weak.close();
    }

    static int[] prompt(int length) {
        int[] p = new int[length];
        for (int i = 0; i < length; i++) {
            p[i] = (i * 37 + 11) % VOCAB;
        }
        return p;
    }

    @ParameterizedTest(name = "prompt length {0}")
    @ValueSource(ints = {7, 200})
    void dominantCycleAcceptsEveryDraft(int length) {
        Qwen3NextModel model = dominant.model();
        int[] prompt = prompt(length);
        int[] plain = Decoding.plainGreedy(model, prompt, N);
        int prev = prompt[length - 1];
        for (int t : plain) {
            assertEquals(CycleCheckpoint.next(prev, VOCAB), t, "the main model follows the cycle");
            prev = t;
        }
        for (int k = 1; k <= SpeculativeDecoder.MAX_DRAFT_TOKENS; k++) {
            MtpDecoder d = new MtpDecoder(k);
            assertArrayEquals(plain, Decoding.speculative(model, prompt, N, d), "k=" + k);
            SpeculativeStats s = d.stats();
            assertEquals(s.drafted(), s.accepted(), "k=" + k + ": " + s.summary());
            assertTrue(s.tokensPerPass() > k + 0.5, "k=" + k + ": " + s.summary());
        }
    }

    @ParameterizedTest(name = "prompt length {0}")
    @ValueSource(ints = {7, 200})
    void weakCycleMixesAcceptAndRejectAndStillMatchesGreedy(int length) {
        Qwen3NextModel model = weak.model();
        int[] prompt = prompt(length);
        int[] plain = Decoding.plainGreedy(model, prompt, N);
        for (int k = 1; k <= SpeculativeDecoder.MAX_DRAFT_TOKENS; k++) {
            MtpDecoder d = new MtpDecoder(k);
            assertArrayEquals(plain, Decoding.speculative(model, prompt, N, d), "k=" + k);
            SpeculativeStats s = d.stats();
            assertTrue(s.acceptanceRate() > 0.4 && s.accepted() < s.drafted(), "k=" + k + ": " + s.summary());
        }
    }

    @Test
    void withoutAnMtpHeadCycleAndSpeculationAreRefused(@TempDir Path dir) throws IOException {
        Path d = dir.resolve("nomtp");
        Synthesizer.write(smallConfig(), d, DType.F32, 1, 2, LoadListener.NONE);
        dev.nextinfer.core.testing.CheckpointEditor.from(d).drop(n -> n.startsWith("mtp.")).writeTo(dir.resolve("nomtp2"));
        NextInferException e = assertThrows(NextInferException.class,
                () -> CycleCheckpoint.rewrite(dir.resolve("nomtp2"), 1, 1));
        assertTrue(e.getMessage().contains("no MTP head"), e.getMessage());
        try (Qwen3Next q = Qwen3Next.load(dir.resolve("nomtp2"), LoadOptions.builder().threads(1).build())) {
            assertThrows(NextInferException.class, () -> q.model().newState(8, true));
            assertThrows(NextInferException.class, () -> new SpeculativeDecoder(q.model(), 1, SamplingTransform.GREEDY, null));
        }
    }
}
