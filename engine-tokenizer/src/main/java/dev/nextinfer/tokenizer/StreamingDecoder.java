package dev.nextinfer.tokenizer;

import java.util.Arrays;

/**
 * Incremental detokenization for one generation stream: each {@link #push} returns the text that the new token
 * completes, holding back the bytes of a UTF-8 character that the next tokens may still complete (a byte-level
 * token can end in the middle of a character). Invariant: the concatenation of all {@code push} results and
 * the final {@link #flush} equals {@link Tokenizer#decode} of all ids. Not thread-safe: one per stream.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private byte[] pending = new byte[8];
    private int size;

    StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
    }

    /**
     * Adds one token id.
     *
     * @return the text completed by this token, "" if it only adds to an unfinished character (or is an unknown
     *         id, or a special token being skipped)
     */
    public String push(int id) {
        byte[] b = tokenizer.tokenBytes(id, skipSpecialTokens);
        if (b == null || b.length == 0) {
            return "";
        }
        if (size + b.length > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, size + b.length));
        }
        System.arraycopy(b, 0, pending, size, b.length);
        size += b.length;
        int complete = Utf8.completePrefixLength(pending, 0, size);
        if (complete == 0) {
            return "";
        }
        String text = Utf8.decodeLossy(pending, 0, complete);
        System.arraycopy(pending, complete, pending, 0, size - complete);
        size -= complete;
        return text;
    }

    /** The text {@link #flush} would return now, without ending the stream. */
    public String pending() {
        return size == 0 ? "" : Utf8.decodeLossy(pending, 0, size);
    }

    /** Ends the stream: the held-back bytes as text (U+FFFD for an unfinished character); resets the decoder. */
    public String flush() {
        String text = pending();
        size = 0;
        return text;
    }
}
