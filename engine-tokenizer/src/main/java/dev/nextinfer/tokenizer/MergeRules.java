package dev.nextinfer.tokenizer;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Resolves BPE merge rules (pairs of token strings, by rank) against a vocabulary and builds the {@link BpeModel}:
 * shared by {@code tokenizer.json} and {@link BpeVocabulary}, so that both give the same model.
 */
final class MergeRules {
    /** Makes the error for a rule that names a token the vocabulary lacks. */
    interface Errors {
        /**
         * @param index  the rule's rank
         * @param token  the missing token
         * @param merged whether it is the merged result (rather than one of the two parts)
         */
        TokenizerException unknownToken(int index, String token, boolean merged);
    }

    private MergeRules() {
    }

    /**
     * The model of {@code vocab} and {@code merges}.
     *
     * @param unkId        id for bytes without a token, or -1 to drop them
     * @param fuseUnk      consecutive unknowns become one
     * @param ignoreMerges a word that is itself in the vocabulary is one token without merging
     */
    static BpeModel model(Map<String, Integer> vocab, List<String[]> merges, int unkId, boolean fuseUnk,
                          boolean ignoreMerges, Errors errors) {
        MergeTable table = new MergeTable(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String[] m = merges.get(i);
            Integer a = vocab.get(m[0]);
            Integer b = vocab.get(m[1]);
            if (a == null || b == null) {
                throw errors.unknownToken(i, a == null ? m[0] : m[1], false);
            }
            Integer merged = vocab.get(m[0] + m[1]);
            if (merged == null) {
                throw errors.unknownToken(i, m[0] + m[1], true);
            }
            table.put(a, b, i, merged);
        }
        return new BpeModel(vocab, table, ignoreMerges, unkId, fuseUnk, rankOrdered(merges, vocab, table));
    }

    /**
     * Whether every rule that uses a token ranks after every rule that produces it (ranks as the table holds them,
     * a later duplicate of a pair replacing the earlier one). Then a merge only creates pairs of higher rank.
     */
    private static boolean rankOrdered(List<String[]> merges, Map<String, Integer> vocab, MergeTable table) {
        int size = 0;
        for (int id : vocab.values()) {
            size = Math.max(size, id + 1);
        }
        int[] producedMax = new int[size];
        int[] usedMin = new int[size];
        Arrays.fill(producedMax, -1);
        Arrays.fill(usedMin, Integer.MAX_VALUE);
        for (String[] m : merges) {
            int a = vocab.get(m[0]);
            int b = vocab.get(m[1]);
            int rank = table.rank(a, b);
            int c = table.mergedId(a, b);
            producedMax[c] = Math.max(producedMax[c], rank);
            usedMin[a] = Math.min(usedMin[a], rank);
            usedMin[b] = Math.min(usedMin[b], rank);
        }
        for (int id = 0; id < size; id++) {
            if (usedMin[id] <= producedMax[id]) {
                return false;
            }
        }
        return true;
    }
}
