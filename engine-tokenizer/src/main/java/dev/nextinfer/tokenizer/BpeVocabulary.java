package dev.nextinfer.tokenizer;

import java.util.List;

/**
 * A byte-level BPE tokenizer given as data rather than as {@code tokenizer.json}: what a model file of another
 * format (GGUF) holds, translated into this module's terms. {@link Tokenizer#fromVocabulary} builds from it the
 * same pipeline that {@code tokenizer.json} gives: for Qwen3, the same ids, added tokens, decoding and chat
 * template variables.
 *
 * <p>Token {@code i} has id {@code i}. Its string is in the byte-level alphabet ({@code "Ġhello"}, as in
 * {@code tokenizer.json}'s vocab) and its {@link TokenType} says what the tokenizer does with it.
 *
 * <p>The canonical constructor checks what it can alone (lengths, ids in range, known pre-tokenizer);
 * {@link Tokenizer#fromVocabulary} checks the rest (duplicate tokens, merges naming unknown tokens, the
 * template). Both fail with a {@link VocabularyException} naming the component and entry.
 *
 * @param tokens       token strings by id
 * @param types        each token's type, same length as {@code tokens}
 * @param merges       merge rules by rank, each two normal tokens separated by one space ({@code "Ġ t"})
 * @param preTokenizer how text is cut into words before BPE: {@value #QWEN2} (the only one so far)
 * @param nfc          whether text between added tokens is NFC-normalized first (Qwen's {@code tokenizer.json}
 *                     declares it)
 * @param bosId        the id of {@code bos_token}, or {@link #NONE}
 * @param eosId        the id of {@code eos_token}, or {@link #NONE}
 * @param padId        the id of {@code pad_token}, or {@link #NONE}
 * @param unkId        the id of {@code unk_token}, or {@link #NONE}; also what BPE emits for a byte without a
 *                     token (without one such bytes are dropped, as in the Rust library)
 * @param addBos       whether {@link Tokenizer#encode(String)} puts {@code bosId} first
 * @param addEos       whether {@link Tokenizer#encode(String)} puts {@code eosId} last
 * @param chatTemplate the chat template's Jinja source, or null for none
 */
public record BpeVocabulary(List<String> tokens, List<TokenType> types, List<String> merges, String preTokenizer,
                            boolean nfc, int bosId, int eosId, int padId, int unkId, boolean addBos, boolean addEos,
                            String chatTemplate) {
    /** No such token. */
    public static final int NONE = -1;
    /**
     * The Qwen2 / Qwen2.5 / Qwen3 pre-tokenizer: {@code tokenizer.json}'s Split regex
     * {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
     * (digits one by one), isolated, then byte-level without a prefix space.
     */
    public static final String QWEN2 = "qwen2";

    /** What the tokenizer does with a token. */
    public enum TokenType {
        /** A BPE token: produced by merges, decoded as its bytes. */
        NORMAL,
        /**
         * A special added token ({@code <|im_start|>}): matched as a whole in the text, skipped by
         * {@code decode(ids, skipSpecialTokens=true)}.
         */
        CONTROL,
        /** A non-special added token ({@code <think>}): matched as a whole in the text, always decoded. */
        USER_DEFINED,
        /** A reserved id (padding of the embedding table): never produced, and decoding drops it. */
        UNUSED
    }

    /** Checks the lengths, ids and pre-tokenizer, and copies the lists. */
    public BpeVocabulary {
        tokens = copy("tokens", tokens);
        types = copy("types", types);
        merges = copy("merges", merges);
        if (types.size() != tokens.size()) {
            throw new VocabularyException("types", NONE, "has " + types.size() + " entries but tokens has "
                    + tokens.size());
        }
        if (preTokenizer == null) {
            throw new VocabularyException("preTokenizer", NONE, "missing");
        }
        if (!preTokenizer.equals(QWEN2)) {
            throw new VocabularyException("preTokenizer", NONE, "unknown pre-tokenizer "
                    + TokenizerJson.quote(preTokenizer) + " (known: " + QWEN2 + ")");
        }
        checkId("bosId", bosId, tokens.size());
        checkId("eosId", eosId, tokens.size());
        checkId("padId", padId, tokens.size());
        checkId("unkId", unkId, tokens.size());
        if (addBos && bosId == NONE) {
            throw new VocabularyException("addBos", NONE, "is set but there is no bosId");
        }
        if (addEos && eosId == NONE) {
            throw new VocabularyException("addEos", NONE, "is set but there is no eosId");
        }
    }

    /** An immutable copy, with a clear error instead of the NullPointerException of {@link List#copyOf}. */
    private static <T> List<T> copy(String component, List<T> list) {
        if (list == null) {
            throw new VocabularyException(component, NONE, "missing");
        }
        int i = 0;
        for (T t : list) {
            if (t == null) {
                throw new VocabularyException(component, i, "is null");
            }
            i++;
        }
        return List.copyOf(list);
    }

    private static void checkId(String component, int id, int size) {
        if (id != NONE && (id < 0 || id >= size)) {
            throw new VocabularyException(component, NONE, "token id " + id + " is out of range (the vocabulary has "
                    + size + " tokens)");
        }
    }

    /** The token string of an id, or null for {@link #NONE}. */
    String tokenOrNull(int id) {
        return id == NONE ? null : tokens.get(id);
    }
}
