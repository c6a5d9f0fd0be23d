package dev.nextinfer.tools.bench;

import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.VectorOps;
import java.util.SplittableRandom;

/**
 * The {@code bench --batch B} part: {@code B} independent sequences (each its own random prompt of the same
 * length, on top of the same synthetic depth), each prefilled on its own, then decoded greedily together, one
 * {@link Qwen3NextModel#forwardBatch} step per token of every sequence.
 */
final class BatchedDecodeRun {
    /** Batched steps before timing, so the few-row kernels are compiled (as {@link BenchRunner}'s warm-up). */
    private static final int WARM_UP_STEPS = 8;

    private BatchedDecodeRun() {
    }

    /**
     * Aggregate decode tokens per second of {@code batch} sequences ({@code batch · genTokens / time}); the
     * per-sequence rate is that over {@code batch}.
     */
    static double aggregateTokS(Qwen3NextModel model, int batch, int promptTokens, int genTokens, int depth, int positions) {
        int vocab = model.config().vocabSize();
        warmUp(model, batch);
        SequenceState[] states = new SequenceState[batch];
        int[] tokens = new int[batch];
        try {
            for (int b = 0; b < batch; b++) {
                SplittableRandom rnd = new SplittableRandom(1234 + b); // sequence 0 has the single-stream run's prompt
                int[] prompt = new int[promptTokens];
                for (int i = 0; i < promptTokens; i++) {
                    prompt[i] = rnd.nextInt(Math.min(vocab, 150_000));
                }
                states[b] = model.newState(positions);
                if (depth > 0) {
                    SyntheticContext.fill(states[b], depth, 99 + b, model.pool());
                }
                ForwardResult r = TokenLoop.builder(model, states[b], prompt).build().prefill();
                tokens[b] = VectorOps.argmax(r.logits(), 0, vocab);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < genTokens; i++) {
                float[] logits = model.forwardBatch(tokens, states).logits();
                for (int b = 0; b < batch; b++) {
                    tokens[b] = VectorOps.argmax(logits, b * vocab, vocab);
                }
            }
            return (double) batch * genTokens / ((System.nanoTime() - t0) / 1e9);
        } finally {
            for (SequenceState s : states) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    /** {@value #WARM_UP_STEPS} batched steps of {@code batch} fresh sequences. */
    private static void warmUp(Qwen3NextModel model, int batch) {
        SequenceState[] states = new SequenceState[batch];
        int[] tokens = new int[batch];
        try {
            for (int b = 0; b < batch; b++) {
                states[b] = model.newState(WARM_UP_STEPS + 1);
                tokens[b] = (1 + b) % model.config().vocabSize();
            }
            for (int i = 0; i < WARM_UP_STEPS; i++) {
                float[] logits = model.forwardBatch(tokens, states).logits();
                for (int b = 0; b < batch; b++) {
                    tokens[b] = VectorOps.argmax(logits, b * model.config().vocabSize(), model.config().vocabSize());
                }
            }
        } finally {
            for (SequenceState s : states) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }
}
