package dev.nextinfer.tokenizer;

/**
 * A {@link BpeVocabulary} that cannot make a tokenizer. Besides the one-line message it says which component of
 * the vocabulary is at fault ({@code "tokens"}, {@code "types"}, {@code "merges"}, {@code "bosId"},
 * {@code "chatTemplate"}, …: the record's component names) and which entry, so that a caller who translated the
 * vocabulary from another format can name its own key instead (a GGUF reader names {@code tokenizer.ggml.merges}).
 */
public final class VocabularyException extends TokenizerException {
    private static final long serialVersionUID = 1L;

    private final String component;
    private final int index;
    private final String problem;

    VocabularyException(String component, int index, String problem) {
        this(component, index, problem, null);
    }

    VocabularyException(String component, int index, String problem, Throwable cause) {
        super(component + (index >= 0 ? "[" + index + "]" : "") + ": " + problem, cause);
        this.component = component;
        this.index = index;
        this.problem = problem;
    }

    /** The record component at fault, e.g. {@code "merges"}. */
    public String component() {
        return component;
    }

    /** The index of the entry at fault in that component's list, or -1 when the whole component is at fault. */
    public int index() {
        return index;
    }

    /** What is wrong, without the component and index, e.g. {@code token "xyz" is not a normal token}. */
    public String problem() {
        return problem;
    }
}
