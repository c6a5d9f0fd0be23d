package dev.nextinfer.tokenizer;

/**
 * Cuts normalized text into pieces ("words") that BPE encodes independently. Implementations are stateless and
 * thread-safe.
 */
interface PreTokenizer {
    /** Receives pieces in order. */
    interface Sink {
        /** The piece {@code s[start, end)} (never empty). */
        void piece(String s, int start, int end);
    }

    /** Cuts {@code s[start, end)} and passes the pieces to {@code out}. */
    void split(String s, int start, int end, Sink out);

    /** Applies {@code first}, then {@code second} to each of its pieces. */
    static PreTokenizer sequence(PreTokenizer first, PreTokenizer second) {
        return (s, start, end, out) -> first.split(s, start, end, (s2, a, b) -> second.split(s2, a, b, out));
    }

    /** Passes the text through as one piece. */
    PreTokenizer IDENTITY = (s, start, end, out) -> {
        if (end > start) {
            out.piece(s, start, end);
        }
    };
}
