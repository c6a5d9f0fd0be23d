package dev.nextinfer.core.model;

import java.util.Arrays;

/**
 * Main-model outputs the MTP head has not consumed yet. With {@code Q} = the MTP cache's length and {@code P} = the
 * main model's position, it holds the normed hidden states of positions {@code [Q, P)} and the tokens at positions
 * {@code [Q+1, P)}: every MTP input pair {@code (hidden_i, token_{i+1})} that is known, plus the last hidden state,
 * which waits for the token after it (the next draft's first input).
 */
final class MtpBacklog {
    private final int hiddenSize;
    private float[] hidden = new float[0];
    private int rows;
    private int[] tokens = new int[0];
    private int tokenCount;

    MtpBacklog(int hiddenSize) {
        this.hiddenSize = hiddenSize;
    }

    int rows() {
        return rows;
    }

    /** {@code [rows][H]}, valid up to {@code rows·H}. */
    float[] hidden() {
        return hidden;
    }

    /** The tokens after rows {@code 0 .. rows−2}, valid up to {@code rows − 1}. */
    int[] tokens() {
        return tokens;
    }

    void appendRows(float[] src, int off, int n) {
        if ((rows + n) * hiddenSize > hidden.length) {
            hidden = Arrays.copyOf(hidden, Math.max((rows + n) * hiddenSize, 2 * hidden.length));
        }
        System.arraycopy(src, off, hidden, rows * hiddenSize, n * hiddenSize);
        rows += n;
    }

    void appendTokens(int[] src, int from, int to) {
        int n = to - from;
        if (tokenCount + n > tokens.length) {
            tokens = Arrays.copyOf(tokens, Math.max(tokenCount + n, 2 * tokens.length));
        }
        System.arraycopy(src, from, tokens, tokenCount, n);
        tokenCount += n;
    }

    /** Drops the first {@code n} rows and their tokens (consumed by the MTP head). */
    void dropFirst(int n) {
        System.arraycopy(hidden, n * hiddenSize, hidden, 0, (rows - n) * hiddenSize);
        System.arraycopy(tokens, n, tokens, 0, tokenCount - n);
        rows -= n;
        tokenCount -= n;
    }

    void clear() {
        rows = 0;
        tokenCount = 0;
    }

    /** Overwrites this backlog with {@code o}'s contents. */
    void copyFrom(MtpBacklog o) {
        hidden = Arrays.copyOf(o.hidden, o.rows * hiddenSize);
        rows = o.rows;
        tokens = Arrays.copyOf(o.tokens, o.tokenCount);
        tokenCount = o.tokenCount;
    }

    MtpBacklog copy() {
        MtpBacklog c = new MtpBacklog(hiddenSize);
        c.hidden = Arrays.copyOf(hidden, rows * hiddenSize);
        c.rows = rows;
        c.tokens = Arrays.copyOf(tokens, tokenCount);
        c.tokenCount = tokenCount;
        return c;
    }
}
