package dev.nextinfer.core;

import java.util.Objects;

/**
 * A piece of generated text, always complete UTF-8 (a character split across tokens is held back until it is
 * complete) and never part of a stop string.
 *
 * @param text the text, never empty
 * @param kind answer text, or the model's reasoning (inside {@code <think>…</think>}, chat only)
 */
public record TextPiece(String text, Kind kind) {

    /** What a piece of text is. */
    public enum Kind {
        /** The answer (raw completions are all content). */
        CONTENT,
        /** Thinking output of a reasoning model: the text inside {@code <think>…</think>}. */
        REASONING
    }

    /** Validates. */
    public TextPiece {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(kind, "kind");
    }

    /** Whether this is reasoning text. */
    public boolean isReasoning() {
        return kind == Kind.REASONING;
    }
}
