package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.kernels.ThreadPool;

/**
 * A speculative forward over {@code T} tokens whose effect on the sequence is not decided yet
 * ({@link Qwen3NextModel#forwardSpeculative}). Its logits and hidden states are those a plain forward would give;
 * {@link #commit(int)} keeps the first {@code accepted} tokens: DeltaNet states advance by exactly those tokens
 * (no copy, no replay), KV caches are truncated, and the position, tokens, last hidden state and MTP inputs
 * follow. Until then the sequence accepts no other call.
 */
public final class PendingForward {
    private final SequenceState state;
    private final int[] tokens;
    private final float[] logits;
    private final float[] hidden;
    private final LayerUpdate[] updates;
    private final ThreadPool pool;
    private final MtpHead mtp;
    private boolean committed;

    /**
     * The forward run on {@code state} (which now awaits the commit): {@code updates[i]} settles layer i, and
     * {@code mtp} (or null) takes the MTP inputs the commit adds, as after a plain forward.
     */
    PendingForward(SequenceState state, int[] tokens, float[] logits, float[] hidden, LayerUpdate[] updates,
                   ThreadPool pool, MtpHead mtp) {
        this.state = state;
        this.tokens = tokens;
        this.logits = logits;
        this.hidden = hidden;
        this.updates = updates;
        this.pool = pool;
        this.mtp = mtp;
    }

    /** Number of tokens run. */
    public int length() {
        return tokens.length;
    }

    /** {@code [T][vocab]}: row {@code i} predicts the token after {@code tokens[i]}. */
    public float[] logits() {
        return logits;
    }

    /** {@code [T][H]} final hidden states after {@code model.norm}. */
    public float[] hidden() {
        return hidden;
    }

    /**
     * Keeps the first {@code accepted} tokens ({@code 0 ≤ accepted ≤ T}) as if only they had been run by
     * {@link Qwen3NextModel#forward}, and forgets the rest. Once only.
     */
    public void commit(int accepted) {
        if (committed) {
            throw new NextInferException("this speculative forward is already committed");
        }
        if (accepted < 0 || accepted > tokens.length) {
            throw new NextInferException("commit keeps 0 to " + tokens.length + " tokens, got " + accepted);
        }
        committed = true;
        state.commit(updates, pool, hidden, tokens, accepted, mtp);
    }
}
