package dev.nextinfer.core.speculative;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.PendingForward;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.sampling.SamplingTransform;
import dev.nextinfer.kernels.VectorOps;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * Speculative decoding with the checkpoint's MTP head as the draft model. One round, given the last chosen token
 * {@code x} (not yet consumed):
 *
 * <pre>
 *   d₁ ~ MTP(h_last, x);  dᵢ ~ MTP(mtp_hidden_{i−1}, d_{i−1})       k draft tokens, chained on the head's own output
 *   logits₀..ₖ = main([x, d₁ … dₖ])                                   one verification pass (deferred state update)
 *   keep d₁ … dₘ while they pass the acceptance rule, then one more token from row m
 *   commit m + 1 positions (x, d₁ … dₘ)
 * </pre>
 *
 * Greedy: a draft passes if it equals the main model's argmax, so the tokens are exactly those of plain greedy
 * decoding. Sampling: {@link SpeculativeSampling}, so the tokens are distributed exactly as plain sampling with the
 * same {@link SamplingTransform}.
 *
 * <p>The sequence must record MTP inputs ({@link Qwen3NextModel#newState(int, boolean)}). One decoder serves one
 * sequence at a time (it holds the counters and the random generator); it is not thread-safe.
 */
public final class SpeculativeDecoder {
    /** Most draft tokens per round. */
    public static final int MAX_DRAFT_TOKENS = 4;

    private final Qwen3NextModel model;
    private final int draftTokens;
    private final SamplingTransform sampling;
    private final RandomGenerator rng;
    private final int vocab;
    private final int hidden;
    private long verifications;
    private long plainSteps;
    private long drafted;
    private long accepted;
    private long emitted;

    /**
     * @param draftTokens k, 1 to {@value #MAX_DRAFT_TOKENS}
     * @param sampling    greedy or sampling parameters
     * @param rng         the caller's seeded generator; unused (may be null) for greedy
     */
    public SpeculativeDecoder(Qwen3NextModel model, int draftTokens, SamplingTransform sampling, RandomGenerator rng) {
        if (!model.hasMtp()) {
            throw new NextInferException("speculative decoding needs the MTP head, and this checkpoint has no mtp.* tensors");
        }
        if (draftTokens < 1 || draftTokens > MAX_DRAFT_TOKENS) {
            throw new NextInferException("draft tokens must be 1 to " + MAX_DRAFT_TOKENS + ", got " + draftTokens);
        }
        if (!sampling.greedy() && rng == null) {
            throw new NextInferException("sampling needs a random generator");
        }
        this.model = model;
        this.draftTokens = draftTokens;
        this.sampling = sampling;
        this.rng = rng;
        this.vocab = model.config().vocabSize();
        this.hidden = model.config().hiddenSize();
    }

    /**
     * One round: consumes {@code lastToken} and returns the next 1 to {@code min(k + 1, limit)} tokens; the last
     * of them is the next call's {@code lastToken}. Drafts fewer tokens when {@code limit} or the state's capacity
     * leaves no room (none: one plain decode step).
     *
     * @param state     the sequence, recording MTP inputs, with at least one consumed position
     * @param lastToken the latest chosen token, not yet consumed
     * @param limit     most tokens wanted (≥ 1)
     */
    public int[] nextTokens(SequenceState state, int lastToken, int limit) {
        if (limit < 1) {
            throw new NextInferException("limit must be ≥ 1, got " + limit);
        }
        if (state.position() + 1 > state.maxPositions()) {
            throw new NextInferException("the sequence is full: " + state.maxPositions() + " positions");
        }
        int k = Math.min(draftTokens, Math.min(limit - 1, state.maxPositions() - state.position() - 1));
        if (k == 0) {
            float[] logits = model.forward(new int[] {lastToken}, 0, 1, state, false, false).logits();
            plainSteps++;
            emitted++;
            return new int[] {choose(logits, 0)};
        }

        int[] tokens = new int[k + 1]; // [x, d1 .. dk]: the verification input
        tokens[0] = lastToken;
        float[][] q = greedy() ? null : new float[k][];
        ForwardResult draft = model.mtpDraft(state, lastToken, false);
        for (int i = 0; i < k; i++) {
            if (i > 0) { // chained: the head's own last output is the next hidden state
                float[] h = draft.hidden();
                draft = model.mtpForward(Arrays.copyOfRange(h, h.length - hidden, h.length), new int[] {tokens[i]}, 1, state, false);
            }
            if (greedy()) {
                tokens[i + 1] = VectorOps.argmax(draft.logits(), 0, vocab);
            } else {
                q[i] = sampling.probabilities(draft.logits(), 0, vocab);
                tokens[i + 1] = SpeculativeSampling.sample(q[i], rng);
            }
        }

        PendingForward verify = model.forwardSpeculative(tokens, 0, k + 1, state);
        float[] logits = verify.logits();
        int m = 0;
        int next = -1;
        while (m < k && next < 0) { // logits row m is the main model on the place of tokens[m + 1]
            if (greedy()) {
                int best = VectorOps.argmax(logits, m * vocab, vocab);
                if (best == tokens[m + 1]) {
                    m++;
                } else {
                    next = best;
                }
            } else {
                SpeculativeSampling.Outcome o = SpeculativeSampling.check(sampling.probabilities(logits, m * vocab, vocab), q[m], tokens[m + 1], rng);
                if (o.accepted()) {
                    m++;
                } else {
                    next = o.token();
                }
            }
        }
        if (next < 0) { // every draft kept: one more token from the last row
            next = choose(logits, k);
        }
        verify.commit(m + 1);

        verifications++;
        drafted += k;
        accepted += m;
        emitted += m + 1;
        int[] out = Arrays.copyOfRange(tokens, 1, m + 2);
        out[m] = next;
        return out;
    }

    /** A token from logits row {@code row} as plain decoding would choose it. */
    private int choose(float[] logits, int row) {
        return greedy() ? VectorOps.argmax(logits, row * vocab, vocab)
                : SpeculativeSampling.sample(sampling.probabilities(logits, row * vocab, vocab), rng);
    }

    private boolean greedy() {
        return sampling.greedy();
    }

    /** Draft tokens per round (k). */
    public int draftTokens() {
        return draftTokens;
    }

    /** Counters since construction. */
    public SpeculativeStats stats() {
        return new SpeculativeStats(verifications, plainSteps, drafted, accepted, emitted);
    }
}
