package dev.nextinfer.core.speculative;

import dev.nextinfer.core.decode.MtpDecoder;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;

/** Plain and speculative greedy decoding, as the tests compare them: the {@link TokenLoop} with one prefill. */
final class Decoding {
    private Decoding() {
    }

    /** One prefill, then one token per step (the recurrent path). */
    static int[] plainGreedy(Qwen3NextModel model, int[] prompt, int n) {
        SequenceState state = model.newState(prompt.length + n);
        return TokenLoop.builder(model, state, prompt).maxTokens(n).prefillChunk(prompt.length).build().generate();
    }

    /** One prefill, then speculative rounds until {@code n} tokens ({@code decoder.stats()} counts them). */
    static int[] speculative(Qwen3NextModel model, int[] prompt, int n, MtpDecoder decoder) {
        SequenceState state = model.newState(prompt.length + n + decoder.draftTokens(), true);
        return TokenLoop.builder(model, state, prompt).maxTokens(n).prefillChunk(prompt.length).decoder(decoder).build()
                .generate();
    }
}
