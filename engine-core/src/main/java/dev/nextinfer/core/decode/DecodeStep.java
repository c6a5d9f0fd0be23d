package dev.nextinfer.core.decode;

import dev.nextinfer.core.model.SequenceState;

/**
 * One decode step: runs {@code token} through the model as the next token of {@code state} and returns the logits
 * after it. A session goes through the model's {@link dev.nextinfer.core.model.DecodeBatcher} (shared passes with
 * other sessions, same result); tools call the model directly ({@link TokenLoop.Builder#step}).
 */
@FunctionalInterface
public interface DecodeStep {
    /** The logits after {@code token}, which {@code state} has then consumed. */
    float[] step(SequenceState state, int token);
}
