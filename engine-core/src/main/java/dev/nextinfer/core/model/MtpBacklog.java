package dev.nextinfer.core.model;

import java.util.Arrays;

/**
 * Main-model outputs the MTP head has not consumed yet. With {@code Q} = the MTP cache's length and {@code P} = the
 * main model's position, it holds the normed hidden states of positions {@code [Q, P)}: with the tokens at
 * positions {@code [Q+1, P)} (which the {@link SequenceState} records) every MTP input pair
 * {@code (hidden_i, token_{i+1})} that is known, plus the last hidden state, which waits for the token after it
 * (the next draft's first input).
 */
final class MtpBacklog {
    private final int hiddenSize;
    private float[] hidden = new float[0];
    private int rows;

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

    void appendRows(float[] src, int off, int n) {
        if ((rows + n) * hiddenSize > hidden.length) {
            hidden = Arrays.copyOf(hidden, Math.max((rows + n) * hiddenSize, 2 * hidden.length));
        }
        System.arraycopy(src, off, hidden, rows * hiddenSize, n * hiddenSize);
        rows += n;
    }

    /** Drops the first {@code n} rows (consumed by the MTP head). */
    void dropFirst(int n) {
        System.arraycopy(hidden, n * hiddenSize, hidden, 0, (rows - n) * hiddenSize);
        rows -= n;
    }

    void clear() {
        rows = 0;
    }

    /** Overwrites this backlog with {@code o}'s contents. */
    void copyFrom(MtpBacklog o) {
        hidden = Arrays.copyOf(o.hidden, o.rows * hiddenSize);
        rows = o.rows;
    }

    MtpBacklog copy() {
        MtpBacklog c = new MtpBacklog(hiddenSize);
        c.hidden = Arrays.copyOf(hidden, rows * hiddenSize);
        c.rows = rows;
        return c;
    }
}
