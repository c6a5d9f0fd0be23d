package dev.nextinfer.core;

/**
 * Receives a generation as it happens, on the generating thread. Only {@link #onText} must be implemented, so a
 * lambda works: {@code piece -> System.out.print(piece.text())}. An exception thrown by the listener ends the
 * generation and propagates to the caller.
 */
@FunctionalInterface
public interface GenerationListener {
    /** A listener that ignores everything. */
    GenerationListener NONE = piece -> { };

    /** A piece of text (content or reasoning). */
    void onText(TextPiece piece);

    /** A complete, parsed tool call (chat only); its text is not reported through {@link #onText}. */
    default void onToolCall(ToolCall call) {
    }

    /** Each generated token id, before its text (which may be held back) is reported. */
    default void onToken(int tokenId) {
    }
}
