package dev.nextinfer.core.spec;

import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.VectorOps;

/** Plain and speculative greedy decoding, as the tests compare them. */
final class Decoding {
    private Decoding() {
    }

    /** One prefill, then one token per step (the recurrent path). */
    static int[] plainGreedy(Qwen3NextModel model, int[] prompt, int n) {
        int vocab = model.config().vocabSize();
        SequenceState state = model.newState(prompt.length + n);
        ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
        int[] out = new int[n];
        for (int s = 0; s < n; s++) {
            out[s] = VectorOps.argmax(r.logits(), 0, vocab);
            if (s + 1 < n) {
                r = model.forward(out, s, s + 1, state, false, false);
            }
        }
        return out;
    }

    /** One prefill, then speculative rounds until {@code n} tokens. */
    static int[] speculative(Qwen3NextModel model, int[] prompt, int n, SpeculativeDecoder decoder) {
        int vocab = model.config().vocabSize();
        SequenceState state = model.newState(prompt.length + n + decoder.draftTokens(), true);
        float[] logits = model.forward(prompt, 0, prompt.length, state, false, false).logits();
        int[] out = new int[n];
        out[0] = VectorOps.argmax(logits, 0, vocab);
        int count = 1;
        while (count < n) {
            int[] next = decoder.nextTokens(state, out[count - 1], n - count);
            System.arraycopy(next, 0, out, count, next.length);
            count += next.length;
        }
        return out;
    }
}
