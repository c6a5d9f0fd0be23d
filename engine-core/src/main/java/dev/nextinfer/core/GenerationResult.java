package dev.nextinfer.core;

/**
 * The outcome of a raw completion ({@link Session#generate}).
 *
 * @param text         the generated text (what the listener received, concatenated; without any stop string)
 * @param finishReason why it ended
 * @param tokenIds     the generated token ids, including a final end-of-sequence / stop token
 * @param usage        token counts and timings
 */
public record GenerationResult(String text, FinishReason finishReason, int[] tokenIds, Usage usage) {
}
