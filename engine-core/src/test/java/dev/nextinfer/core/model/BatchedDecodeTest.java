package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.VectorOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Qwen3NextModel#forwardBatch} is invisible to the sequences: five sequences with prompts of 1 to 200 tokens
 * (two with the same prompt), joining the batch at different steps (each from a copy of its prefilled state) and
 * leaving after different numbers of tokens, get at every step logits that are <b>bit-identical</b> to decoding that
 * sequence alone with {@link Qwen3NextModel#forward}, so the same greedy tokens; batch widths run from 1 to 4. On
 * every fixture (DeltaNet and attention layers, MoE with a shared expert) and in several weight formats (each
 * format's few-row kernel). A sequence recording MTP inputs keeps them in step (its next draft is the same too).
 */
class BatchedDecodeTest {

    /** A sequence of the schedule: its prompt, the step at which it joins, and how many tokens it decodes. */
    private record Plan(int promptLength, int join, int tokens, boolean mtp) {
    }

    private static final List<Plan> PLANS = List.of(
            new Plan(7, 0, 10, false),
            new Plan(1, 0, 4, true),
            new Plan(64, 2, 8, false),
            new Plan(200, 3, 6, false),
            new Plan(7, 5, 6, false));

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("tiny-f32", WeightFormat.F32, false),
                Arguments.of("tiny-f32", WeightFormat.Q8_0, false),
                Arguments.of("tiny-f32", WeightFormat.Q4_0, false),
                Arguments.of("tiny-f32", WeightFormat.BF16, false),
                Arguments.of("tiny-bf16-8l", WeightFormat.BF16, false),
                Arguments.of("tiny-fp8-b32", WeightFormat.F32, false),
                // the integer kernels: four rows per pass, then a pair or a single row (every GGUF mix: BatchedIntegerDecodeTest)
                Arguments.of("tiny-f32", WeightFormat.Q8_0, true),
                Arguments.of("tiny-f32", WeightFormat.Q4_0, true));
    }

    @ParameterizedTest(name = "{0} {1} int8 activations: {2}")
    @MethodSource("cases")
    void everyStepIsBitIdenticalToDecodingAlone(String name, WeightFormat format, boolean int8) {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model(name),
                LoadOptions.builder().weights(format).threads(2).int8Activations(int8).build())) {
            Qwen3NextModel model = q.model();
            // alone: prefill, then one token per forward; the logits of every step. The batched run starts from
            // copies of the states the reference prefilled (so only decode steps are compared)
            List<List<float[]>> alone = new ArrayList<>();
            List<float[]> aloneDrafts = new ArrayList<>();
            List<SequenceState> prefilled = new ArrayList<>();
            aloneRuns(model, name, alone, aloneDrafts, prefilled);

            // together: joins and leaves on the plan's schedule
            together(model, name, format, alone, aloneDrafts, prefilled);
        }
    }

    private static void aloneRuns(Qwen3NextModel model, String name, List<List<float[]>> alone, List<float[]> aloneDrafts,
                                  List<SequenceState> prefilled) {
        int vocab = model.config().vocabSize();
        {
            for (Plan p : PLANS) {
                int[] prompt = Fixtures.prompt(name, p.promptLength);
                try (SequenceState s = newState(model, p)) {
                    List<float[]> steps = new ArrayList<>();
                    float[] logits = model.forward(prompt, 0, prompt.length, s, false, false).logits();
                    steps.add(logits);
                    prefilled.add(s.copy());
                    for (int i = 0; i < p.tokens; i++) {
                        int token = VectorOps.argmax(logits, 0, vocab);
                        logits = model.forward(new int[] {token}, 0, 1, s, false, false).logits();
                        steps.add(logits);
                    }
                    alone.add(steps);
                    aloneDrafts.add(p.mtp ? model.mtpDraft(s, VectorOps.argmax(logits, 0, vocab), true).logits() : null);
                }
            }
        }
    }

    private static void together(Qwen3NextModel model, String name, WeightFormat format, List<List<float[]>> alone,
                                 List<float[]> aloneDrafts, List<SequenceState> prefilled) {
        int vocab = model.config().vocabSize();
        int n = PLANS.size();
        {
            SequenceState[] states = new SequenceState[n];
            float[][] last = new float[n][];
            int[] done = new int[n];
            int widest = 0;
            for (int step = 0; ; step++) {
                for (int i = 0; i < n; i++) {
                    if (PLANS.get(i).join == step) { // joins between steps, its prompt prefilled
                        states[i] = prefilled.get(i);
                        last[i] = alone.get(i).get(0);
                    }
                }
                List<Integer> active = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    if (states[i] != null && done[i] < PLANS.get(i).tokens) {
                        active.add(i);
                    }
                }
                if (active.isEmpty() && step > maxJoin()) {
                    break;
                }
                if (active.isEmpty()) {
                    continue;
                }
                widest = Math.max(widest, active.size());
                int[] tokens = new int[active.size()];
                SequenceState[] batch = new SequenceState[active.size()];
                for (int b = 0; b < tokens.length; b++) {
                    int i = active.get(b);
                    tokens[b] = VectorOps.argmax(last[i], 0, vocab);
                    batch[b] = states[i];
                }
                float[] logits = model.forwardBatch(tokens, batch).logits();
                for (int b = 0; b < tokens.length; b++) {
                    int i = active.get(b);
                    done[i]++;
                    last[i] = Arrays.copyOfRange(logits, b * vocab, (b + 1) * vocab);
                    assertArrayEquals(alone.get(i).get(done[i]), last[i],
                            name + " " + format + ": sequence " + i + ", token " + done[i] + ", step " + step + " in a batch of " + tokens.length);
                }
            }
            assertEquals(4, widest, "the schedule reaches a batch of 4");
            for (int i = 0; i < n; i++) {
                Plan p = PLANS.get(i);
                assertEquals(Fixtures.prompt(name, p.promptLength).length + p.tokens, states[i].position(), "position of " + i);
                if (p.mtp) {
                    float[] draft = model.mtpDraft(states[i], VectorOps.argmax(last[i], 0, vocab), true).logits();
                    assertArrayEquals(aloneDrafts.get(i), draft, "MTP draft after batched steps, sequence " + i);
                }
                states[i].close();
            }
        }
    }

    @Test
    void misuseIsRefusedWithOneLine() {
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().weights(WeightFormat.F32).threads(1).build())) {
            Qwen3NextModel model = q.model();
            SequenceState a = model.newState(8);
            SequenceState b = model.newState(1);
            model.forward(new int[] {3}, 0, 1, b, false, false);
            assertMessage(() -> model.forwardBatch(new int[] {1, 2}, new SequenceState[] {a, a}), "appears twice");
            assertMessage(() -> model.forwardBatch(new int[] {1}, new SequenceState[] {a, b}), "one token per sequence");
            assertMessage(() -> model.forwardBatch(new int[0], new SequenceState[0]), "one token per sequence");
            assertMessage(() -> model.forwardBatch(new int[] {1, 512}, new SequenceState[] {a, b}), "outside the vocabulary");
            assertMessage(() -> model.forwardBatch(new int[] {1, 2}, new SequenceState[] {a, b}), "at most 1 positions");
            SequenceState c = model.newState(16, true);
            model.forward(new int[] {4, 5}, 0, 2, c, false, false);
            model.forwardSpeculative(new int[] {6, 7}, 0, 2, c);
            assertMessage(() -> model.forwardBatch(new int[] {1, 2}, new SequenceState[] {a, c}), "uncommitted speculative");
            assertEquals(0, a.position(), "a refused batch changes nothing");
        }
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String text) {
        NextInferException e = assertThrows(NextInferException.class, call);
        assertTrue(e.getMessage().contains(text) && !e.getMessage().contains("\n"), e.getMessage());
    }

    private static int maxJoin() {
        return PLANS.stream().mapToInt(Plan::join).max().orElse(0);
    }

    private static SequenceState newState(Qwen3NextModel model, Plan p) {
        return model.newState(p.promptLength + p.tokens + 1, p.mtp);
    }
}
