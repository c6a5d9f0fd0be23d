package dev.nextinfer.core.decode;

import dev.nextinfer.core.model.ForwardResult;

/**
 * The token-producing part of a generation, run by a {@link TokenLoop} after the prompt has been prefilled: the one
 * place where a decoding strategy plugs in. {@link Decoders#plain()} samples one token per forward step; speculative
 * decoding with the MTP head ({@link MtpDecoder}) is another implementation, chosen by {@link Decoders#forConfig}.
 *
 * <p>Contract: the decoder samples through {@link DecodeContext#sample} (or the context's sampler), hands every
 * token it commits, in order, to {@link DecodeContext#emit}, and stops as soon as {@code emit} returns false.
 * When it returns, the sequence state must have consumed the prompt followed by a prefix of the emitted tokens
 * (usually all but the last; a speculative decoder rolls back whatever it fed beyond that). A session derives its
 * token history from {@code state.position()}.
 */
public interface Decoder {

    /**
     * Whether this decoder needs a state that records the MTP head's inputs
     * ({@link dev.nextinfer.core.model.Qwen3NextModel#newState(int, boolean)}); the session then prefills into one.
     */
    default boolean needsMtpInputs() {
        return false;
    }

    /** Generates tokens until {@link DecodeContext#emit} says to stop. */
    void decode(DecodeContext ctx);

    /**
     * Called for each chunk of the prompt as it is prefilled, with the forward result (its {@code hidden} holds the
     * final normed hidden state of every position of the chunk). Positions reused from an earlier call on a
     * session are not prefilled again, so the MTP head's cache may lag the main model's
     * ({@code state.mtpPosition() < state.position()}). The default does nothing.
     *
     * @param tokens the whole prompt; this chunk is {@code tokens[from .. to)}
     */
    default void onPrefill(DecodeContext ctx, int[] tokens, int from, int to, ForwardResult result) {
    }
}
