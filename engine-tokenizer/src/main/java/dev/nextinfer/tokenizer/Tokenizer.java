package dev.nextinfer.tokenizer;

import dev.nextinfer.tokenizer.jinja.TemplateException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} byte-level BPE tokenizer that gives the same ids as the Rust
 * {@code tokenizers} library (Qwen3 / Qwen3-Next), its decoder, and the chat template of
 * {@code tokenizer_config.json}; or the same tokenizer built from a {@link BpeVocabulary} given as data (e.g. read
 * from a GGUF file). Immutable and thread-safe.
 *
 * <p>Encoding, as the Rust library does it: the input is cut at added tokens (special or not, e.g.
 * {@code <|im_start|>} and {@code <think>}); each piece between them is NFC-normalized (Unicode 9.0 tables, like
 * Rust), cut by the pre-tokenizer regex, and each resulting word is BPE-encoded from its UTF-8 bytes.
 *
 * <p>Lone surrogates: Java strings may hold them, Rust strings cannot. {@link #encode} replaces each one by
 * U+FFFD first (what a lossy UTF-8 conversion does), so it never fails on them; {@code decode} of the result
 * gives U+FFFD at their places.
 */
public final class Tokenizer {
    private static final String RESOURCES = "qwen3/";

    private static final class Bundled {
        static final Tokenizer QWEN3 = loadBundled();
    }

    private final Pipeline pipeline;
    private final byte[][] tokenBytes;
    private final String[] tokenContent;
    private final boolean[] special;
    private final TokenizerConfig config;
    private final ChatTemplate chatTemplate;

    private Tokenizer(Pipeline pipeline, TokenizerConfig config) {
        this.pipeline = pipeline;
        this.config = config;
        int size = 0;
        for (int id : pipeline.model.vocab().values()) {
            size = Math.max(size, id + 1);
        }
        for (AddedToken t : pipeline.added.tokens()) {
            size = Math.max(size, t.id() + 1);
        }
        tokenBytes = new byte[size][];
        tokenContent = new String[size];
        special = new boolean[size];
        pipeline.model.vocab().forEach((token, id) -> {
            if (tokenContent[id] == null) {
                tokenContent[id] = token;
                tokenBytes[id] = ByteLevel.decodeToken(token);
            }
        });
        for (AddedToken t : pipeline.added.tokens()) {
            tokenContent[t.id()] = t.content();
            tokenBytes[t.id()] = ByteLevel.decodeToken(t.content());
            special[t.id()] = t.special();
        }
        this.chatTemplate = config.chatTemplate() == null ? null
                : ChatTemplate.of(config.chatTemplate()).withDefaults(config.specialTokens());
    }

    // ---- loading

    /**
     * Loads {@code dir/tokenizer.json} and, when present, {@code dir/tokenizer_config.json}; a
     * {@code dir/chat_template.jinja} file, when present, replaces the config's chat template (as in
     * transformers).
     *
     * @throws TokenizerException when a file is missing, unreadable or invalid (one line, with the JSON path)
     */
    public static Tokenizer load(Path dir) {
        Path config = dir.resolve("tokenizer_config.json");
        Tokenizer t = fromFiles(dir.resolve("tokenizer.json"), Files.exists(config) ? config : null);
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.exists(jinja)) {
            try {
                String source = Files.readString(jinja, StandardCharsets.UTF_8);
                return new Tokenizer(t.pipeline, t.config.withChatTemplate(source));
            } catch (IOException e) {
                throw new TokenizerException(jinja + ": cannot read: " + e.getMessage(), e);
            }
        }
        return t;
    }

    /**
     * Loads a {@code tokenizer.json} and an optional {@code tokenizer_config.json} (null: no chat template, no
     * special-token names).
     */
    public static Tokenizer fromFiles(Path tokenizerJson, Path tokenizerConfigJson) {
        Pipeline pipeline;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tokenizerJson), 1 << 16)) {
            pipeline = readPipeline(in, tokenizerJson.toString());
        } catch (NoSuchFileException e) {
            throw new TokenizerException(tokenizerJson + ": no such file");
        } catch (IOException e) {
            throw new TokenizerException(tokenizerJson + ": cannot read: " + e.getMessage(), e);
        }
        TokenizerConfig config = TokenizerConfig.EMPTY;
        if (tokenizerConfigJson != null) {
            try (InputStream in = Files.newInputStream(tokenizerConfigJson)) {
                config = TokenizerConfig.read(in, tokenizerConfigJson.toString());
            } catch (NoSuchFileException e) {
                throw new TokenizerException(tokenizerConfigJson + ": no such file");
            } catch (IOException e) {
                throw new TokenizerException(tokenizerConfigJson + ": cannot read: " + e.getMessage(), e);
            }
        }
        return new Tokenizer(pipeline, config);
    }

    /**
     * A tokenizer from the bytes of a {@code tokenizer.json} and an optional {@code tokenizer_config.json} (null),
     * named {@code name} in errors: what {@link #fromFiles} does after reading the files (the fuzz tests' entry).
     */
    static Tokenizer parse(byte[] tokenizerJson, byte[] tokenizerConfigJson, String name) {
        Pipeline pipeline = readPipeline(new java.io.ByteArrayInputStream(tokenizerJson), name + "/tokenizer.json");
        TokenizerConfig config = tokenizerConfigJson == null ? TokenizerConfig.EMPTY
                : TokenizerConfig.read(new java.io.ByteArrayInputStream(tokenizerConfigJson), name + "/tokenizer_config.json");
        return new Tokenizer(pipeline, config);
    }

    /**
     * Builds a tokenizer from a vocabulary given as data (e.g. translated from a GGUF file's metadata). It is the
     * tokenizer the equivalent {@code tokenizer.json} and {@code tokenizer_config.json} would give (see
     * {@link BpeVocabulary}); the chat template sees {@code bos_token}, {@code eos_token}, {@code pad_token} and
     * {@code unk_token} for the ids that are set.
     *
     * @throws VocabularyException naming the vocabulary component at fault (duplicate tokens, a merge naming a
     *                             token that is not a normal token, a chat template that does not parse)
     */
    public static Tokenizer fromVocabulary(BpeVocabulary vocabulary) {
        Objects.requireNonNull(vocabulary, "vocabulary");
        VocabularyPipeline v = VocabularyPipeline.build(vocabulary);
        try {
            return new Tokenizer(v.pipeline, v.config);
        } catch (TemplateException e) {
            throw new VocabularyException("chatTemplate", BpeVocabulary.NONE, e.getMessage(), e);
        }
    }

    /**
     * This tokenizer as a {@link BpeVocabulary}, to write it into another file format (GGUF): tokens by id padded
     * with {@link BpeVocabulary.TokenType#UNUSED} {@code [PADn]} entries up to {@code paddedSize} (the embedding's
     * rows), special added tokens as CONTROL, other added tokens as USER_DEFINED, the merges by rank, the chat
     * template and the bos/eos/pad/unk tokens of {@code tokenizer_config.json}. The pre-tokenizer is recorded as
     * {@value BpeVocabulary#QWEN2}, the only one a byte-level BPE Qwen tokenizer uses.
     *
     * @throws TokenizerException when the vocabulary has holes below its largest id (no Qwen tokenizer has)
     */
    public BpeVocabulary toVocabulary(int paddedSize) {
        int size = Math.max(paddedSize, tokenContent.length);
        java.util.List<String> tokens = new java.util.ArrayList<>(size);
        java.util.List<BpeVocabulary.TokenType> types = new java.util.ArrayList<>(size);
        java.util.Set<Integer> added = new java.util.HashSet<>();
        for (AddedToken t : pipeline.added.tokens()) {
            added.add(t.id());
        }
        for (int id = 0; id < size; id++) {
            if (id >= tokenContent.length) {
                tokens.add("[PAD" + id + "]");
                types.add(BpeVocabulary.TokenType.UNUSED);
            } else if (tokenContent[id] == null) {
                throw new TokenizerException("token id " + id + " has no token: a vocabulary with holes cannot be written as a list");
            } else {
                tokens.add(tokenContent[id]);
                types.add(!added.contains(id) ? BpeVocabulary.TokenType.NORMAL
                        : special[id] ? BpeVocabulary.TokenType.CONTROL : BpeVocabulary.TokenType.USER_DEFINED);
            }
        }
        int[][] rules = pipeline.model.merges().rulesByRank();
        java.util.List<String> merges = new java.util.ArrayList<>(rules.length);
        for (int[] r : rules) {
            merges.add(tokenContent[r[0]] + " " + tokenContent[r[1]]);
        }
        return new BpeVocabulary(tokens, types, merges, BpeVocabulary.QWEN2, pipeline.normalizer != null,
                idOf(config.specialTokens().get("bos_token")), idOf(config.specialTokens().get("eos_token")),
                idOf(config.specialTokens().get("pad_token")), idOf(config.specialTokens().get("unk_token")),
                false, false, config.chatTemplate());
    }

    private int idOf(Object token) {
        return token instanceof String s ? tokenId(s).orElse(BpeVocabulary.NONE) : BpeVocabulary.NONE;
    }

    /** The Qwen3 / Qwen3-Next tokenizer bundled in this jar (loaded once, then shared). */
    public static Tokenizer qwen3() {
        return Bundled.QWEN3;
    }

    private static Pipeline readPipeline(InputStream in, String name) {
        TokenizerJson json = new TokenizerJson(name);
        return Pipeline.build(json.read(in), json);
    }

    private static Tokenizer loadBundled() {
        try (InputStream tok = resource(RESOURCES + "tokenizer.json");
             InputStream cfg = resource(RESOURCES + "tokenizer_config.json")) {
            Pipeline pipeline = readPipeline(new BufferedInputStream(tok, 1 << 16), "qwen3/tokenizer.json");
            return new Tokenizer(pipeline, TokenizerConfig.read(cfg, "qwen3/tokenizer_config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = Tokenizer.class.getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("missing bundled resource " + name);
        }
        return in;
    }

    // ---- encoding

    /** Token ids of {@code text}, with the post-processor's special tokens (none for Qwen3). */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Token ids of {@code text}. Added tokens written in the text are always recognized (as with
     * {@code transformers}' default {@code split_special_tokens=False}).
     *
     * @param addSpecialTokens whether the post-processor may add its tokens (e.g. a BOS); Qwen3's adds none
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        String input = Utf8.replaceLoneSurrogates(text);
        IntList out = new IntList(Math.max(16, input.length() / 3));
        if (addSpecialTokens) {
            out.addAll(pipeline.prefixIds);
        }
        AddedVocabulary added = pipeline.added;
        PreTokenizer.Sink bpe = (s, start, end) -> pipeline.model.encode(s, start, end, out);
        added.splitRaw(input, new AddedVocabulary.Sink() {
            @Override
            public void token(AddedToken token) {
                out.add(token.id());
            }

            @Override
            public void text(String s, int start, int end) {
                String piece = start == 0 && end == s.length() ? s : s.substring(start, end);
                String normalized = pipeline.normalizer == null ? piece : pipeline.normalizer.apply(piece);
                if (added.hasNormalizedTokens()) {
                    added.splitNormalized(normalized, new AddedVocabulary.Sink() {
                        @Override
                        public void token(AddedToken token) {
                            out.add(token.id());
                        }

                        @Override
                        public void text(String s2, int a, int b) {
                            pipeline.preTokenizer.split(s2, a, b, bpe);
                        }
                    });
                } else {
                    pipeline.preTokenizer.split(normalized, 0, normalized.length(), bpe);
                }
            }
        });
        if (addSpecialTokens) {
            out.addAll(pipeline.suffixIds);
        }
        return out.toArray();
    }

    /** The BPE model (for tests and benchmarks in this package). */
    BpeModel model() {
        return pipeline.model;
    }

    // ---- decoding

    /** The bytes an id decodes to, or null when it is dropped (unknown id; special token being skipped). */
    byte[] tokenBytes(int id, boolean skipSpecialTokens) {
        if (id < 0 || id >= tokenBytes.length || (skipSpecialTokens && special[id])) {
            return null;
        }
        return tokenBytes[id];
    }

    /**
     * The text of some ids, as the Rust library's {@code decode}: unknown ids are dropped, special tokens too
     * when asked, the bytes of the tokens are joined and read as UTF-8 with one U+FFFD per invalid sequence.
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        byte[] buf = new byte[Math.max(16, ids.length * 4)];
        int n = 0;
        for (int id : ids) {
            byte[] b = tokenBytes(id, skipSpecialTokens);
            if (b == null) {
                continue;
            }
            if (n + b.length > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + b.length));
            }
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
        }
        return Utf8.decodeLossy(buf, 0, n);
    }

    /** A decoder for one stream of generated ids. */
    public StreamingDecoder newStreamingDecoder(boolean skipSpecialTokens) {
        return new StreamingDecoder(this, skipSpecialTokens);
    }

    // ---- vocabulary

    /** One more than the largest id the tokenizer knows (151,669 for Qwen3; the model's 151,936 rows include unused ids). */
    public int vocabSize() {
        return tokenContent.length;
    }

    /** The id of a token given as its vocabulary string (e.g. {@code "<|im_end|>"}, {@code "Ġhello"}). */
    public OptionalInt tokenId(String tokenContent) {
        AddedToken t = pipeline.added.byContent(tokenContent);
        if (t != null) {
            return OptionalInt.of(t.id());
        }
        Integer id = pipeline.model.vocab().get(tokenContent);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The vocabulary string of an id (byte-level form for BPE tokens, e.g. {@code "Ġhello"}), or null if unknown. */
    public String tokenContent(int id) {
        return id >= 0 && id < tokenContent.length ? tokenContent[id] : null;
    }

    /** Whether the id is an added token marked special (skipped by {@code decode(ids, true)}). */
    public boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    // ---- chat

    /** The chat template of {@code tokenizer_config.json} (or {@code chat_template.jinja}), or null if none. */
    public ChatTemplate chatTemplate() {
        return chatTemplate;
    }

    /** {@code eos_token} of {@code tokenizer_config.json} (or of the {@link BpeVocabulary}). */
    public Optional<String> eosToken() {
        return Optional.ofNullable((String) config.specialTokens().get("eos_token"));
    }

    /** {@code bos_token} of {@code tokenizer_config.json} (none for Qwen3), or of the {@link BpeVocabulary}. */
    public Optional<String> bosToken() {
        return Optional.ofNullable((String) config.specialTokens().get("bos_token"));
    }

    /**
     * The special tokens Hugging Face passes to chat templates ({@code bos_token}, {@code eos_token},
     * {@code pad_token}, …, {@code additional_special_tokens}), as set in {@code tokenizer_config.json} (from a
     * {@link BpeVocabulary}: {@code bos_token}, {@code eos_token}, {@code pad_token}, {@code unk_token}).
     */
    public Map<String, Object> specialTokensMap() {
        return config.specialTokens();
    }

    /** Renders with this tokenizer's chat template and encodes the result. */
    public int[] encodeChat(List<Map<String, Object>> messages, List<Map<String, Object>> tools,
                            boolean addGenerationPrompt, Map<String, Object> extraContext) {
        if (chatTemplate == null) {
            throw new TokenizerException("this tokenizer has no chat template");
        }
        return encode(chatTemplate.render(messages, tools, addGenerationPrompt, extraContext));
    }
}
