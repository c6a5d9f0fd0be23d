package dev.nextinfer.core;

/**
 * A conversation rendered by the chat template for generation.
 *
 * @param text            the rendered prompt
 * @param tokenIds        its tokens
 * @param opensThinking   whether the prompt ends inside an open {@code <think>} block (e.g. the Qwen3-Next-Thinking
 *                        template's generation prompt {@code <|im_start|>assistant\n<think>\n}), so the output
 *                        starts as reasoning
 */
public record ChatPrompt(String text, int[] tokenIds, boolean opensThinking) {

    /** Whether the tail of {@code text} (after its last {@code <|im_start|>}) opens a think block left open. */
    static boolean endsInsideThinking(String text) {
        int start = text.lastIndexOf("<|im_start|>");
        String tail = start < 0 ? text : text.substring(start);
        int open = tail.lastIndexOf("<think>");
        return open >= 0 && tail.indexOf("</think>", open) < 0;
    }
}
