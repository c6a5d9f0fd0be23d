package dev.nextinfer.core.model;

/**
 * What a forward call returns.
 *
 * @param logits      {@code [rows][vocab]}: every position, or only the last one
 * @param logitRows   number of logit rows
 * @param hidden      {@code [T][H]} final hidden states after the final norm (the MTP head's input)
 * @param layerHidden if captured: {@code [layers + 1][T·H]}, the embeddings then each layer's output; else null
 */
public record ForwardResult(float[] logits, int logitRows, float[] hidden, float[][] layerHidden) {

    /** Row {@code i} of the logits as a new array. */
    public float[] logitsRow(int i, int vocab) {
        float[] row = new float[vocab];
        System.arraycopy(logits, i * vocab, row, 0, vocab);
        return row;
    }
}
