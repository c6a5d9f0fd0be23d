package dev.nextinfer.tokenizer;

/**
 * One entry of {@code tokenizer.json}'s {@code added_tokens}: a string matched as a whole in the input before
 * the model sees it.
 *
 * @param id         the id the tokenizer assigned (as the Rust library assigns it, see {@link AddedVocabulary})
 * @param content    the text of the token
 * @param special    skipped by {@code decode(ids, skipSpecialTokens=true)}
 * @param singleWord matched only when not inside a word
 * @param lstrip     the match swallows whitespace on its left
 * @param rstrip     the match swallows whitespace on its right
 * @param normalized matched in the normalized text (otherwise in the raw input, before normalization)
 */
record AddedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                  boolean normalized) {
}
