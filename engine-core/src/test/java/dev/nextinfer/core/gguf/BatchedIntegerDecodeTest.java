package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.VectorOps;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batched decoding with the integer kernels on real GGUF mixes ({@code models/q3n-256/…}): every layout's few-row
 * forms (four rows per pass, three with a row repeated, pairs, single rows) inside the whole model, where the
 * tiny-checkpoint batching test only reaches Q4_0 and Q8_0. Five sequences with prompts of different lengths are
 * prefilled alone; then each decodes alone, and again from copies of the prefilled states in batches of 5, 4 and 3
 * (the shorter plans leave); every step's logits must be the bits of the step alone.
 */
class BatchedIntegerDecodeTest {
    /** Prompt lengths of the five sequences, and how many tokens each decodes (so the batch narrows 5 → 4 → 3). */
    private static final int[] PROMPT = {1, 3, 6, 9, 13};
    private static final int[] TOKENS = {3, 3, 3, 2, 1};

    @ParameterizedTest
    @ValueSource(strings = {"Q4_K_M", "Q5_K_M", "Q6_K", "Q8_0", "Q4_0", "IQ4_XS", "IQ4_NL", "Q2_K"})
    void batchedStepsAreTheStepsAlone(String variant) {
        Path file = GgufFixtures.dir().resolve(variant + "/q3n-256-" + variant + ".gguf");
        try (Qwen3Next q = Qwen3Next.load(file, LoadOptions.builder().threads(2).kvCache(KvCacheFormat.F32)
                .int8Activations(true).build())) {
            Qwen3NextModel m = q.model();
            int vocab = m.config().vocabSize();
            int[] ids = GgufFixtures.ints(GgufFixtures.prompt("Q8_0", GgufFixtures.LENGTHS.get(0)).get("ids"));
            int n = PROMPT.length;
            List<SequenceState> prefilled = new ArrayList<>();
            float[][] first = new float[n][];
            List<List<float[]>> alone = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int[] prompt = prompt(ids, i);
                try (SequenceState s = m.newState(32)) {
                    float[] logits = m.forward(prompt, 0, prompt.length, s, false, false).logits();
                    first[i] = logits;
                    prefilled.add(s.copy());
                    List<float[]> steps = new ArrayList<>();
                    for (int k = 0; k < TOKENS[i]; k++) {
                        logits = m.forward(new int[] {VectorOps.argmax(logits, 0, vocab)}, 0, 1, s, false, false).logits();
                        steps.add(logits);
                    }
                    alone.add(steps);
                }
            }
            float[][] last = first.clone();
            for (int k = 0; ; k++) {
                List<Integer> active = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (k < TOKENS[i]) {
                        active.add(i);
                    }
                }
                if (active.isEmpty()) {
                    break;
                }
                int[] tokens = new int[active.size()];
                SequenceState[] batch = new SequenceState[active.size()];
                for (int b = 0; b < tokens.length; b++) {
                    tokens[b] = VectorOps.argmax(last[active.get(b)], 0, vocab);
                    batch[b] = prefilled.get(active.get(b));
                }
                float[] logits = m.forwardBatch(tokens, batch).logits();
                for (int b = 0; b < tokens.length; b++) {
                    int i = active.get(b);
                    last[i] = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
                    assertArrayEquals(alone.get(i).get(k), last[i],
                            variant + ": sequence " + i + ", token " + k + " in a batch of " + tokens.length);
                }
            }
            prefilled.forEach(SequenceState::close);
        }
    }

    private static int[] prompt(int[] ids, int i) {
        return Arrays.copyOf(ids, PROMPT[i]);
    }
}
