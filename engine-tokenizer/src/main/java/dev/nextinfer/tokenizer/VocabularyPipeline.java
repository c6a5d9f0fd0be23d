package dev.nextinfer.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Turns a {@link BpeVocabulary} into the parts the {@code tokenizer.json} path builds: the same {@link BpeModel}
 * (through {@link MergeRules}), {@link AddedVocabulary}, normalizer and pre-tokenizer objects, so that both paths
 * encode and decode alike. The {@code tokenizer.json} equivalent of a vocabulary is: model {@code BPE} over the
 * normal tokens, the control and user-defined tokens as {@code added_tokens} (special or not, never normalized,
 * no stripping, as in Qwen's file), an {@code NFC} normalizer when asked, a Split + ByteLevel pre-tokenizer and
 * the ByteLevel decoder.
 */
final class VocabularyPipeline {
    final Pipeline pipeline;
    final TokenizerConfig config;

    private VocabularyPipeline(Pipeline pipeline, TokenizerConfig config) {
        this.pipeline = pipeline;
        this.config = config;
    }

    /** Checks what the record's constructor could not (duplicates, merges) and builds the parts. */
    static VocabularyPipeline build(BpeVocabulary v) {
        List<String> tokens = v.tokens();
        List<BpeVocabulary.TokenType> types = v.types();
        Map<String, Integer> vocab = new HashMap<>(Math.max(16, tokens.size() * 4 / 3 + 1));
        Map<String, Integer> addedIds = new HashMap<>();
        List<AddedVocabulary.Spec> added = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>(Math.max(16, tokens.size() * 4 / 3 + 1));
        for (int id = 0; id < tokens.size(); id++) {
            BpeVocabulary.TokenType type = types.get(id);
            if (type == BpeVocabulary.TokenType.UNUSED) {
                continue; // not part of the tokenizer: never matched in text, dropped by decode
            }
            String token = tokens.get(id);
            if (token.isEmpty()) {
                throw new VocabularyException("tokens", id, "empty token of type " + type);
            }
            Integer before = seen.putIfAbsent(token, id);
            if (before != null) {
                throw new VocabularyException("tokens", id, TokenizerJson.quote(token) + " is also token " + before);
            }
            if (type == BpeVocabulary.TokenType.NORMAL) {
                vocab.put(token, id);
            } else {
                // Added tokens in id order, each with its id given (the JSON path numbers them itself).
                boolean special = type == BpeVocabulary.TokenType.CONTROL;
                added.add(new AddedVocabulary.Spec(token, special, false, false, false, false));
                addedIds.put(token, id);
            }
        }
        UnaryOperator<String> normalizer = v.nfc() ? CanonicalNormalizer.unicode9()::nfc : null;
        // As in tokenizer.json, the unknown token only takes part in BPE when it is a model (normal) token.
        int unkId = v.unkId() != BpeVocabulary.NONE && Integer.valueOf(v.unkId()).equals(vocab.get(tokens.get(v.unkId())))
                ? v.unkId() : -1;
        BpeModel model = MergeRules.model(vocab, mergePairs(v.merges()), unkId, false, false,
                (i, token, merged) -> new VocabularyException("merges", i, (merged ? "merged token " : "token ")
                        + TokenizerJson.quote(token) + " is not a normal token of the vocabulary"));
        AddedVocabulary addedVocabulary = AddedVocabulary.build(added, s -> addedIds.getOrDefault(s, -1),
                vocab.size(), normalizer == null ? UnaryOperator.identity() : normalizer);
        // the object tokenizer.json's Split step with Qwen's regex gives (its ByteLevel step adds nothing)
        PreTokenizer pre = QwenPreTokenizer.forPattern(QwenPreTokenizer.QWEN_PATTERN);
        Pipeline pipeline = new Pipeline(normalizer, pre, model, addedVocabulary,
                v.addBos() ? new int[] {v.bosId()} : new int[0], v.addEos() ? new int[] {v.eosId()} : new int[0]);
        return new VocabularyPipeline(pipeline, new TokenizerConfig(v.chatTemplate(), specialTokens(v)));
    }

    /** {@code "a b"} rules as pairs, checked as strictly as the {@code tokenizer.json} reader checks them. */
    private static List<String[]> mergePairs(List<String> merges) {
        List<String[]> pairs = new ArrayList<>(merges.size());
        for (int i = 0; i < merges.size(); i++) {
            String s = merges.get(i);
            int sp = s.indexOf(' ');
            if (sp < 0 || s.indexOf(' ', sp + 1) >= 0) {
                throw new VocabularyException("merges", i, "expected two tokens separated by one space, got "
                        + TokenizerJson.quote(s));
            }
            pairs.add(new String[] {s.substring(0, sp), s.substring(sp + 1)});
        }
        return pairs;
    }

    /** The variables Hugging Face passes to chat templates, for the tokens that are set. */
    private static Map<String, Object> specialTokens(BpeVocabulary v) {
        Map<String, Object> m = new LinkedHashMap<>();
        String[] keys = {"bos_token", "eos_token", "pad_token", "unk_token"};
        int[] ids = {v.bosId(), v.eosId(), v.padId(), v.unkId()};
        for (int i = 0; i < keys.length; i++) {
            String token = v.tokenOrNull(ids[i]);
            if (token != null) {
                m.put(keys[i], token);
            }
        }
        return Map.copyOf(m);
    }
}
