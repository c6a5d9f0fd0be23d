package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.tokenizer.BpeVocabulary;
import dev.nextinfer.tokenizer.BpeVocabulary.TokenType;
import dev.nextinfer.tokenizer.Tokenizer;
import dev.nextinfer.tokenizer.VocabularyException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The tokenizer and chat template stored in a GGUF file's {@code tokenizer.*} metadata, translated into a
 * {@link BpeVocabulary} (the tokenizer module knows nothing of GGUF). Only byte-level BPE vocabularies
 * ({@code tokenizer.ggml.model = gpt2}) with the Qwen2 pre-tokenizer are supported.
 *
 * <p>The result is meant to be the Hugging Face tokenizer the file was converted from, not llama.cpp's reading of
 * it. Hence NFC: Qwen's {@code tokenizer.json} declares an NFC normalizer, GGUF has no key for it and llama.cpp
 * does not apply it, so text that NFC changes (a decomposed {@code é}) gets other ids from llama.cpp. Two
 * differences from Qwen's own files remain, because the GGUF does not record what would tell them apart:
 * <ul>
 * <li>{@code convert_hf_to_gguf.py} marks every added token that looks special ({@code <|fim_prefix|>} …) as
 * CONTROL, even where {@code tokenizer.json} says {@code special: false}; such tokens are special here, so
 * {@code decode(ids, skipSpecialTokens=true)} drops them;</li>
 * <li>the chat template sees {@code bos_token} when the file has a {@code bos_token_id} (Qwen's
 * {@code tokenizer_config.json} has none; the converter takes the id from {@code config.json}), and no
 * {@code additional_special_tokens}.</li>
 * </ul>
 *
 * <p>Every missing or mistyped key, and every inconsistency (lengths, ids, merges naming unknown tokens),
 * fails with a {@link CheckpointException} naming the file and the key.
 */
public final class GgufTokenizer {
    static final String MODEL = "tokenizer.ggml.model";
    static final String PRE = "tokenizer.ggml.pre";
    static final String TOKENS = "tokenizer.ggml.tokens";
    static final String TYPES = "tokenizer.ggml.token_type";
    static final String MERGES = "tokenizer.ggml.merges";
    static final String BOS = "tokenizer.ggml.bos_token_id";
    static final String EOS = "tokenizer.ggml.eos_token_id";
    static final String PAD = "tokenizer.ggml.padding_token_id";
    static final String UNK = "tokenizer.ggml.unknown_token_id";
    static final String ADD_BOS = "tokenizer.ggml.add_bos_token";
    static final String ADD_EOS = "tokenizer.ggml.add_eos_token";
    static final String TEMPLATE = "tokenizer.chat_template";

    /** The {@code tokenizer.ggml.pre} names llama.cpp gives Qwen2's pre-tokenizer regex (LLAMA_VOCAB_PRE_TYPE_QWEN2). */
    private static final Set<String> QWEN2_PRE = Set.of("qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "megrez");

    /** Which GGUF key holds each component of the vocabulary, to name it in errors. */
    private static final Map<String, String> KEY_OF = Map.ofEntries(Map.entry("tokens", TOKENS),
            Map.entry("types", TYPES), Map.entry("merges", MERGES), Map.entry("preTokenizer", PRE),
            Map.entry("bosId", BOS), Map.entry("eosId", EOS), Map.entry("padId", PAD), Map.entry("unkId", UNK),
            Map.entry("addBos", ADD_BOS), Map.entry("addEos", ADD_EOS), Map.entry("chatTemplate", TEMPLATE));

    private GgufTokenizer() {
    }

    /**
     * The {@code tokenizer.*} metadata to write into a GGUF export of {@code files}: a GGUF source's own keys, copied
     * as they are; for a checkpoint folder, its {@code tokenizer.json} and {@code tokenizer_config.json} written the
     * way llama.cpp's converter writes them ({@code gpt2}/{@code qwen2}, token list padded to the vocabulary size
     * with unused {@code [PADn]} tokens, token types, merges, special ids, chat template). A folder without tokenizer
     * files, or whose tokenizer is larger than the model's vocabulary (synthetic test models), gives none.
     */
    public static Map<String, GgufValue> metadata(dev.nextinfer.core.checkpoint.ModelFiles files) {
        Map<String, GgufValue> out = new java.util.LinkedHashMap<>();
        if (files.tensors() instanceof GgufSource g) {
            g.model().metadata().forEach((k, v) -> {
                if (k.startsWith("tokenizer.")) {
                    out.put(k, v);
                }
            });
            return out;
        }
        if (!java.nio.file.Files.isRegularFile(files.path().resolve("tokenizer.json"))) {
            return out;
        }
        int vocab = files.config().vocabSize();
        Tokenizer t = files.tokenizer();
        if (t.vocabSize() > vocab) {
            System.getLogger(GgufTokenizer.class.getName()).log(System.Logger.Level.WARNING, files.path()
                    + ": the tokenizer has " + t.vocabSize() + " tokens but the model only " + vocab + "; the GGUF gets no tokenizer");
            return out;
        }
        return metadata(t, files.config());
    }

    /** The {@code tokenizer.*} metadata of {@code t} for a model of architecture {@code cfg} (see {@link #metadata(dev.nextinfer.core.checkpoint.ModelFiles)}). */
    static Map<String, GgufValue> metadata(Tokenizer t, dev.nextinfer.core.config.Qwen3NextConfig cfg) {
        Map<String, GgufValue> out = new java.util.LinkedHashMap<>();
        int vocab = cfg.vocabSize();
        BpeVocabulary v = t.toVocabulary(vocab);
        long[] types = new long[v.types().size()];
        for (int i = 0; i < types.length; i++) {
            types[i] = switch (v.types().get(i)) {
                case NORMAL -> 1;
                case CONTROL -> 3;
                case USER_DEFINED -> 4;
                case UNUSED -> 5;
            };
        }
        out.put(MODEL, new GgufValue(GgufValueType.STRING, "gpt2"));
        out.put(PRE, new GgufValue(GgufValueType.STRING, v.preTokenizer()));
        out.put(TOKENS, new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.STRING, v.tokens().toArray(String[]::new))));
        out.put(TYPES, new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.INT32, types)));
        out.put(MERGES, new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.STRING, v.merges().toArray(String[]::new))));
        int bos = v.bosId() != BpeVocabulary.NONE ? v.bosId() : cfg.bosTokenId();
        int eos = v.eosId() != BpeVocabulary.NONE ? v.eosId() : cfg.eosTokenIds().isEmpty() ? -1 : cfg.eosTokenIds().getFirst();
        putId(out, BOS, bos, vocab);
        putId(out, EOS, eos, vocab);
        putId(out, PAD, v.padId(), vocab);
        putId(out, UNK, v.unkId(), vocab);
        out.put(ADD_BOS, new GgufValue(GgufValueType.BOOL, false));
        if (v.chatTemplate() != null) {
            out.put(TEMPLATE, new GgufValue(GgufValueType.STRING, v.chatTemplate()));
        }
        return out;
    }

    private static void putId(Map<String, GgufValue> out, String key, int id, int vocab) {
        if (id >= 0 && id < vocab) {
            out.put(key, new GgufValue(GgufValueType.UINT32, (long) id));
        }
    }

    /**
     * Builds the tokenizer of {@code model}.
     *
     * @throws CheckpointException naming the file and the metadata key when the vocabulary is missing, of another
     *                             kind than byte-level BPE, or malformed
     */
    public static Tokenizer load(GgufModel model) {
        try {
            return Tokenizer.fromVocabulary(vocabulary(model));
        } catch (VocabularyException e) {
            throw translated(model, e);
        }
    }

    /** The vocabulary of {@code model}'s metadata, as this class reads it (NFC on). */
    static BpeVocabulary vocabulary(GgufModel model) {
        String kind = model.string(MODEL);
        if (!kind.equals("gpt2")) {
            throw error(model, MODEL, "is \"" + kind + "\": only \"gpt2\" (byte-level BPE) vocabularies are supported");
        }
        String pre = model.string(PRE);
        if (!QWEN2_PRE.contains(pre)) {
            throw error(model, PRE, "is \"" + pre + "\": only the Qwen2 pre-tokenizer is supported ("
                    + String.join(", ", QWEN2_PRE.stream().sorted().toList()) + ")");
        }
        String[] tokens = (String[]) model.array(TOKENS, GgufValueType.STRING).values();
        List<TokenType> types = tokenTypes(model, tokens.length);
        String[] merges = (String[]) model.array(MERGES, GgufValueType.STRING).values();
        int bos = tokenId(model, BOS, tokens.length);
        int eos = tokenId(model, EOS, tokens.length);
        int pad = tokenId(model, PAD, tokens.length);
        int unk = tokenId(model, UNK, tokens.length);
        boolean addBos = model.bool(ADD_BOS, false);
        boolean addEos = model.bool(ADD_EOS, false);
        if (addBos && bos == BpeVocabulary.NONE) {
            throw error(model, ADD_BOS, "is true but there is no " + BOS);
        }
        if (addEos && eos == BpeVocabulary.NONE) {
            throw error(model, ADD_EOS, "is true but there is no " + EOS);
        }
        String template = model.has(TEMPLATE) ? model.string(TEMPLATE) : null;
        try {
            // NFC on: see the class comment
            return new BpeVocabulary(Arrays.asList(tokens), types, Arrays.asList(merges), BpeVocabulary.QWEN2, true,
                    bos, eos, pad, unk, addBos, addEos, template);
        } catch (VocabularyException e) {
            throw translated(model, e);
        }
    }

    /** The tokenizer module's error, naming the GGUF key of the vocabulary component at fault. */
    private static CheckpointException translated(GgufModel model, VocabularyException e) {
        String key = KEY_OF.getOrDefault(e.component(), "tokenizer.ggml");
        String entry = e.index() >= 0 ? " entry " + e.index() : "";
        return new CheckpointException(model.path() + ": metadata key '" + key + "'" + entry + ": " + e.problem(), e);
    }

    /** {@code tokenizer.ggml.token_type}: one llama.cpp token type per token. */
    private static List<TokenType> tokenTypes(GgufModel model, int count) {
        long[] ids = (long[]) model.array(TYPES, GgufValueType.INT32, GgufValueType.UINT32, GgufValueType.INT8,
                GgufValueType.UINT8, GgufValueType.INT16, GgufValueType.UINT16, GgufValueType.INT64,
                GgufValueType.UINT64).values();
        if (ids.length != count) {
            throw error(model, TYPES, "has " + ids.length + " entries but " + TOKENS + " has " + count);
        }
        TokenType[] types = new TokenType[count];
        for (int i = 0; i < count; i++) {
            types[i] = switch ((int) Math.max(-1, Math.min(ids[i], 100))) {
                case 1 -> TokenType.NORMAL;
                case 3 -> TokenType.CONTROL;
                case 4 -> TokenType.USER_DEFINED;
                case 5 -> TokenType.UNUSED;
                case 2, 6 -> throw error(model, TYPES, "entry " + i + " is " + ids[i] + " (" + (ids[i] == 2 ? "unknown"
                        : "byte") + "), a SentencePiece token type that a byte-level BPE vocabulary does not use");
                default -> throw error(model, TYPES, "entry " + i + " is " + ids[i]
                        + ", not a token type (1 normal, 3 control, 4 user-defined, 5 unused)");
            };
        }
        return Arrays.asList(types);
    }

    /** An optional special token id, checked against the vocabulary size. */
    private static int tokenId(GgufModel model, String key, int count) {
        if (!model.has(key)) {
            return BpeVocabulary.NONE;
        }
        long id = model.integer(key);
        if (id < 0 || id >= count) {
            String shown = model.metadata().get(key).type() == GgufValueType.UINT64 ? Long.toUnsignedString(id) : Long.toString(id);
            throw error(model, key, "is " + shown + ", outside the vocabulary (" + count + " tokens in " + TOKENS + ")");
        }
        return (int) id;
    }

    private static CheckpointException error(GgufModel model, String key, String problem) {
        return new CheckpointException(model.path() + ": metadata key '" + key + "' " + problem);
    }
}
