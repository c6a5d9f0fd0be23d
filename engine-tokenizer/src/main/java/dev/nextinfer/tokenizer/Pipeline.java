package dev.nextinfer.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the encoding pipeline from the sections of {@code tokenizer.json}: normalizer, pre-tokenizer, BPE
 * model, added tokens, post-processor, and checks the decoder. What this engine cannot reproduce exactly is
 * refused with the JSON path rather than approximated: it must be a byte-level BPE (a ByteLevel pre-tokenizer
 * step and the ByteLevel decoder). {@link VocabularyPipeline} assembles one from the same parts for a
 * {@link BpeVocabulary}.
 */
final class Pipeline {
    /** The normalizer (null: none). */
    final UnaryOperator<String> normalizer;
    final PreTokenizer preTokenizer;
    final BpeModel model;
    final AddedVocabulary added;
    /** Ids the post-processor puts around a single sequence. */
    final int[] prefixIds;
    final int[] suffixIds;

    private final TokenizerJson json;
    private boolean sawByteLevel;

    private Pipeline(TokenizerJson.Raw raw, TokenizerJson json) {
        this.json = json;
        this.model = model(raw);
        this.normalizer = normalizer(raw.normalizer(), "$.normalizer");
        this.preTokenizer = preTokenizer(raw.preTokenizer(), "$.pre_tokenizer");
        if (!sawByteLevel) {
            throw json.error("$.pre_tokenizer", "no ByteLevel step: only byte-level BPE tokenizers are supported");
        }
        checkDecoder(raw.decoder(), "$.decoder");
        this.added = addedTokens(raw.addedTokens());
        List<Integer> pre = new ArrayList<>();
        List<Integer> post = new ArrayList<>();
        postProcessor(raw.postProcessor(), "$.post_processor", pre, post);
        this.prefixIds = pre.stream().mapToInt(Integer::intValue).toArray();
        this.suffixIds = post.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A pipeline from its parts (a {@link BpeVocabulary}: see {@link VocabularyPipeline}). */
    Pipeline(UnaryOperator<String> normalizer, PreTokenizer preTokenizer, BpeModel model, AddedVocabulary added,
             int[] prefixIds, int[] suffixIds) {
        this.json = null;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.added = added;
        this.prefixIds = prefixIds.clone();
        this.suffixIds = suffixIds.clone();
    }

    static Pipeline build(TokenizerJson.Raw raw, TokenizerJson json) {
        return new Pipeline(raw, json);
    }

    private static boolean isNull(JsonNode n) {
        return n == null || n.isNull();
    }

    private String type(JsonNode n, String path) {
        if (!n.isObject()) {
            throw json.error(path, "expected an object");
        }
        JsonNode t = n.get("type");
        if (t == null || !t.isTextual()) {
            throw json.error(path + ".type", t == null ? "missing" : "expected a string");
        }
        return t.asText();
    }

    private boolean bool(JsonNode n, String field, boolean dflt, String path) {
        JsonNode v = n.get(field);
        if (isNull(v)) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw json.error(path + "." + field, "expected true or false");
        }
        return v.asBoolean();
    }

    private String text(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual()) {
            throw json.error(path + "." + field, v == null ? "missing" : "expected a string");
        }
        return v.asText();
    }

    private JsonNode array(JsonNode n, String field, String path) {
        JsonNode v = n.get(field);
        if (v == null || !v.isArray()) {
            throw json.error(path + "." + field, v == null ? "missing" : "expected an array");
        }
        return v;
    }

    // ---- normalizer

    private UnaryOperator<String> normalizer(JsonNode n, String path) {
        if (isNull(n)) {
            return null;
        }
        String type = type(n, path);
        return switch (type) {
            case "NFC" -> CanonicalNormalizer.unicode9()::nfc;
            case "NFD" -> CanonicalNormalizer.unicode9()::nfd;
            // compatibility forms use the JDK's (newer) Unicode tables: not byte-exact with Rust on new characters
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            case "Strip" -> {
                boolean left = bool(n, "strip_left", true, path);
                boolean right = bool(n, "strip_right", true, path);
                yield s -> strip(s, left, right);
            }
            case "Prepend" -> {
                String prefix = text(n, "prepend", path);
                yield s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> {
                Pattern p = pattern(n, path);
                String content = text(n, "content", path);
                yield s -> p.matcher(s).replaceAll(Matcher.quoteReplacement(content));
            }
            case "Sequence" -> {
                JsonNode list = array(n, "normalizers", path);
                List<UnaryOperator<String>> steps = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    UnaryOperator<String> step = normalizer(list.get(i), path + ".normalizers[" + i + "]");
                    if (step != null) {
                        steps.add(step);
                    }
                }
                yield s -> {
                    for (UnaryOperator<String> step : steps) {
                        s = step.apply(s);
                    }
                    return s;
                };
            }
            default -> throw json.error(path + ".type", "unsupported normalizer type " + TokenizerJson.quote(type));
        };
    }

    private static String strip(String s, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        while (left && a < b && (UnicodeClasses.of(s.charAt(a)) & UnicodeClasses.SPACE) != 0) {
            a++;
        }
        while (right && b > a && (UnicodeClasses.of(s.charAt(b - 1)) & UnicodeClasses.SPACE) != 0) {
            b--;
        }
        return s.substring(a, b);
    }

    /** A {@code {"String": …}} or {@code {"Regex": …}} pattern. */
    private Pattern pattern(JsonNode n, String path) {
        JsonNode p = n.get("pattern");
        if (p == null || !p.isObject()) {
            throw json.error(path + ".pattern", p == null ? "missing" : "expected {\"String\": …} or {\"Regex\": …}");
        }
        if (p.has("String") && p.get("String").isTextual()) {
            return Pattern.compile(Pattern.quote(p.get("String").asText()));
        }
        if (p.has("Regex") && p.get("Regex").isTextual()) {
            try {
                return RegexPreTokenizer.compileOniguruma(p.get("Regex").asText());
            } catch (IllegalArgumentException e) {
                throw json.error(path + ".pattern.Regex", "invalid regular expression: " + e.getMessage().split("\\R")[0]);
            }
        }
        throw json.error(path + ".pattern", "expected {\"String\": …} or {\"Regex\": …}");
    }

    // ---- pre-tokenizer

    private PreTokenizer preTokenizer(JsonNode n, String path) {
        if (isNull(n)) {
            return PreTokenizer.IDENTITY;
        }
        String type = type(n, path);
        switch (type) {
            case "Sequence" -> {
                JsonNode list = array(n, "pretokenizers", path);
                PreTokenizer chain = null;
                for (int i = 0; i < list.size(); i++) {
                    PreTokenizer step = preTokenizer(list.get(i), path + ".pretokenizers[" + i + "]");
                    if (step == PreTokenizer.IDENTITY) {
                        continue;
                    }
                    chain = chain == null ? step : PreTokenizer.sequence(chain, step);
                }
                return chain == null ? PreTokenizer.IDENTITY : chain;
            }
            case "Split" -> {
                JsonNode p = n.get("pattern");
                String behaviorName = text(n, "behavior", path);
                RegexPreTokenizer.Behavior behavior = switch (behaviorName) {
                    case "Removed" -> RegexPreTokenizer.Behavior.REMOVED;
                    case "Isolated" -> RegexPreTokenizer.Behavior.ISOLATED;
                    case "MergedWithPrevious" -> RegexPreTokenizer.Behavior.MERGED_WITH_PREVIOUS;
                    case "MergedWithNext" -> RegexPreTokenizer.Behavior.MERGED_WITH_NEXT;
                    case "Contiguous" -> RegexPreTokenizer.Behavior.CONTIGUOUS;
                    default -> throw json.error(path + ".behavior", "unknown split behavior "
                            + TokenizerJson.quote(behaviorName));
                };
                boolean invert = bool(n, "invert", false, path);
                if (p != null && p.isObject() && p.has("Regex") && p.get("Regex").isTextual()
                        && behavior == RegexPreTokenizer.Behavior.ISOLATED && !invert) {
                    QwenPreTokenizer fast = QwenPreTokenizer.forPattern(p.get("Regex").asText());
                    if (fast != null) {
                        return fast;
                    }
                }
                return new RegexPreTokenizer(pattern(n, path), behavior, invert);
            }
            case "ByteLevel" -> {
                sawByteLevel = true;
                boolean prefixSpace = bool(n, "add_prefix_space", true, path);
                boolean useRegex = bool(n, "use_regex", true, path);
                PreTokenizer step = useRegex ? new RegexPreTokenizer(RegexPreTokenizer.compileOniguruma(
                        RegexPreTokenizer.GPT2_PATTERN), RegexPreTokenizer.Behavior.ISOLATED, false)
                        : PreTokenizer.IDENTITY;
                if (!prefixSpace) {
                    return step;
                }
                // The Rust library adds the space to every piece that reaches this step (before its own regex).
                PreTokenizer prefix = (s, start, end, out) -> {
                    if (end > start && s.charAt(start) != ' ') {
                        String p = " " + s.substring(start, end);
                        out.piece(p, 0, p.length());
                    } else if (end > start) {
                        out.piece(s, start, end);
                    }
                };
                return step == PreTokenizer.IDENTITY ? prefix : PreTokenizer.sequence(prefix, step);
            }
            default -> throw json.error(path + ".type", "unsupported pre-tokenizer type " + TokenizerJson.quote(type));
        }
    }

    // ---- decoder and post-processor

    private void checkDecoder(JsonNode n, String path) {
        if (isNull(n)) {
            throw json.error(path, "missing: only the ByteLevel decoder is supported");
        }
        String type = type(n, path);
        if (type.equals("Sequence")) {
            JsonNode list = array(n, "decoders", path);
            if (list.size() != 1) {
                throw json.error(path + ".decoders", "only a single ByteLevel decoder is supported");
            }
            checkDecoder(list.get(0), path + ".decoders[0]");
        } else if (!type.equals("ByteLevel")) {
            throw json.error(path + ".type", "unsupported decoder type " + TokenizerJson.quote(type)
                    + " (only ByteLevel)");
        }
    }

    private void postProcessor(JsonNode n, String path, List<Integer> pre, List<Integer> post) {
        if (isNull(n)) {
            return;
        }
        String type = type(n, path);
        switch (type) {
            case "ByteLevel" -> { }
            case "Sequence" -> {
                JsonNode list = array(n, "processors", path);
                for (int i = 0; i < list.size(); i++) {
                    postProcessor(list.get(i), path + ".processors[" + i + "]", pre, post);
                }
            }
            case "TemplateProcessing" -> {
                JsonNode single = array(n, "single", path);
                JsonNode specials = n.get("special_tokens");
                boolean afterSequence = false;
                for (int i = 0; i < single.size(); i++) {
                    JsonNode piece = single.get(i);
                    String p = path + ".single[" + i + "]";
                    if (piece.has("Sequence")) {
                        afterSequence = true;
                    } else if (piece.has("SpecialToken") && piece.get("SpecialToken").has("id")) {
                        String id = piece.get("SpecialToken").get("id").asText();
                        JsonNode spec = specials == null ? null : specials.get(id);
                        if (spec == null || !spec.has("ids") || !spec.get("ids").isArray()) {
                            throw json.error(p, "special token " + TokenizerJson.quote(id)
                                    + " is not in " + path + ".special_tokens");
                        }
                        for (JsonNode x : spec.get("ids")) {
                            (afterSequence ? post : pre).add(x.asInt());
                        }
                    } else {
                        throw json.error(p, "expected {\"Sequence\": …} or {\"SpecialToken\": …}");
                    }
                }
            }
            default -> throw json.error(path + ".type", "unsupported post-processor type "
                    + TokenizerJson.quote(type));
        }
    }

    // ---- model

    private BpeModel model(TokenizerJson.Raw raw) {
        if (!raw.hasModel()) {
            throw json.error("$.model", "missing");
        }
        JsonNode f = raw.modelFields();
        JsonNode t = f.get("type");
        if (t != null && !t.isTextual()) {
            throw json.error("$.model.type", "expected a string");
        }
        if (t == null && !raw.hasMerges()) {
            throw json.error("$.model.type", "missing");
        }
        if (t != null && !t.asText().equals("BPE")) {
            throw json.error("$.model.type", "unsupported model type " + TokenizerJson.quote(t.asText())
                    + " (only BPE is supported)");
        }
        if (!raw.hasVocab()) {
            throw json.error("$.model.vocab", "missing");
        }
        if (raw.vocabError() != null) {
            throw raw.vocabError();
        }
        JsonNode dropout = f.get("dropout");
        if (!isNull(dropout) && (!dropout.isNumber() || dropout.asDouble() != 0.0)) {
            throw json.error("$.model.dropout", "BPE dropout is not supported (it makes encoding random)");
        }
        for (String affix : new String[] {"continuing_subword_prefix", "end_of_word_suffix"}) {
            JsonNode v = f.get(affix);
            if (!isNull(v) && !(v.isTextual() && v.asText().isEmpty())) {
                throw json.error("$.model." + affix, "must be empty for a byte-level BPE");
            }
        }
        Map<String, Integer> vocab = raw.vocab();
        JsonNode unk = f.get("unk_token");
        int unkId = -1;
        if (!isNull(unk)) {
            if (!unk.isTextual()) {
                throw json.error("$.model.unk_token", "expected a string or null");
            }
            unkId = vocab.getOrDefault(unk.asText(), -1);
        }
        boolean fuseUnk = bool(f, "fuse_unk", false, "$.model");
        boolean ignoreMerges = bool(f, "ignore_merges", false, "$.model");
        if (bool(f, "byte_fallback", false, "$.model")) {
            // byte_fallback only acts on a byte without a token; with all 256 present it never does
            for (int b = 0; b < 256; b++) {
                if (!vocab.containsKey(String.valueOf(ByteLevel.charOf(b)))) {
                    throw json.error("$.model.byte_fallback", "not supported when byte tokens are missing from"
                            + " $.model.vocab (no token for byte " + b + ")");
                }
            }
        }
        return MergeRules.model(vocab, raw.merges(), unkId, fuseUnk, ignoreMerges, (i, token, merged) ->
                json.error("$.model.merges[" + i + "]", (merged ? "merged token " : "token ")
                        + TokenizerJson.quote(token) + " is not in $.model.vocab"));
    }

    // ---- added tokens

    private AddedVocabulary addedTokens(JsonNode list) {
        List<AddedVocabulary.Spec> specs = new ArrayList<>();
        if (!isNull(list)) {
            if (!list.isArray()) {
                throw json.error("$.added_tokens", "expected an array");
            }
            for (int i = 0; i < list.size(); i++) {
                JsonNode t = list.get(i);
                String path = "$.added_tokens[" + i + "]";
                if (!t.isObject()) {
                    throw json.error(path, "expected an object");
                }
                String content = text(t, "content", path);
                JsonNode id = t.get("id");
                if (id != null && !id.canConvertToInt()) {
                    throw json.error(path + ".id", "expected an integer id");
                }
                boolean special = bool(t, "special", false, path);
                specs.add(new AddedVocabulary.Spec(content, special,
                        bool(t, "single_word", false, path), bool(t, "lstrip", false, path),
                        bool(t, "rstrip", false, path), bool(t, "normalized", !special, path)));
            }
        }
        Map<String, Integer> vocab = model.vocab();
        UnaryOperator<String> norm = normalizer == null ? UnaryOperator.identity() : normalizer;
        return AddedVocabulary.build(specs, s -> vocab.getOrDefault(s, -1), vocab.size(), norm);
    }
}
