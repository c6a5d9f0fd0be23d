package dev.nextinfer.tools.bench;

import dev.nextinfer.core.decode.TokenSink;

/**
 * A {@link TokenSink} that takes every token and notes when the first one (chosen from the prompt's logits) is
 * committed: decode timings start there, after the prefill and the first choice.
 */
public final class FirstTokenClock implements TokenSink {
    private long start;

    @Override
    public boolean accept(int token) {
        if (start == 0) {
            start = System.nanoTime();
        }
        return true;
    }

    /** {@link System#nanoTime()} at the first token (0 before it). */
    public long start() {
        return start;
    }
}
