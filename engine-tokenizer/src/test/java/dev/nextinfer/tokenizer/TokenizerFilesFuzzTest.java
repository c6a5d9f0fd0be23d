package dev.nextinfer.tokenizer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Fuzzes {@code tokenizer.json} and {@code tokenizer_config.json} (the files a downloaded checkpoint brings): any
 * bytes either load as a tokenizer that then encodes, decodes and renders its chat template without an
 * undocumented failure, or fail with a one-line {@link TokenizerException}. Seeds: a small valid tokenizer and the
 * Qwen3 {@code tokenizer_config.json} (src/test/resources/…/TokenizerFilesFuzzTestInputs). Run as regression tests
 * by {@code mvn test}; fuzz with {@code JAZZER_FUZZ=1} (docs/reliability.md).
 */
class TokenizerFilesFuzzTest {
    private static final byte[] TINY = TinyTokenizers.valid().toString().getBytes(StandardCharsets.UTF_8);
    private static final String SAMPLE = "Hello, wörld! 12345 <|end|> <x> [SW] x<n>y \u00e9\u0301 😀 \t\n";

    /** Seeds: the small valid tokenizer, and variants with other pre-tokenizer and normalizer settings. */
    static Stream<byte[]> tokenizerJsonSeeds() {
        var plain = TinyTokenizers.valid();
        var noNorm = TinyTokenizers.valid();
        noNorm.putNull("normalizer");
        var byteLevelOnly = TinyTokenizers.valid();
        byteLevelOnly.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        return Stream.of(plain, noNorm, byteLevelOnly).map(n -> n.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Seeds: the Qwen3 {@code tokenizer_config.json} (with its chat template) and a small one. */
    static Stream<byte[]> tokenizerConfigSeeds() throws java.io.IOException {
        byte[] qwen;
        try (var in = Tokenizer.class.getResourceAsStream("qwen3/tokenizer_config.json")) {
            qwen = in.readAllBytes();
        }
        String small = "{\"bos_token\": null, \"eos_token\": \"<|end|>\", \"pad_token\": {\"content\": \"<x>\"},"
                + " \"chat_template\": \"{% for m in messages %}{{ m.role }}: {{ m.content }}{{ eos_token }}{% endfor %}\","
                + " \"added_tokens_decoder\": {\"260\": {\"content\": \"<|end|>\", \"special\": true}}}";
        return Stream.of(qwen, small.getBytes(StandardCharsets.UTF_8));
    }

    @MethodSource("tokenizerJsonSeeds")
    @FuzzTest
    void tokenizerJson(byte[] data) {
        Tokenizer[] t = {null};
        if (Hostile.survives(() -> t[0] = Tokenizer.parse(data, null, "fuzz"), TokenizerException.class)) {
            exercise(t[0]);
        }
    }

    @MethodSource("tokenizerConfigSeeds")
    @FuzzTest
    void tokenizerConfigJson(byte[] data) {
        Tokenizer[] t = {null};
        if (Hostile.survives(() -> t[0] = Tokenizer.parse(TINY, data, "fuzz"), TokenizerException.class)) {
            exercise(t[0]);
            ChatTemplate template = t[0].chatTemplate();
            if (template != null) {
                Hostile.survives(() -> t[0].encodeChat(List.of(Map.of("role", "system", "content", "Be brief."),
                        Map.of("role", "user", "content", "Hi <|end|>")), null, true, Map.of("enable_thinking", false)),
                        TokenizerException.class);
            }
        }
    }

    /** What a loaded tokenizer must do for any input: no exception at all. */
    static void exercise(Tokenizer t) {
        int[] ids = t.encode(SAMPLE);
        t.decode(ids, false);
        t.decode(ids, true);
        int[] odd = {-1, 0, 1, 255, 256, t.vocabSize() - 1, t.vocabSize(), Integer.MAX_VALUE, Integer.MIN_VALUE};
        StreamingDecoder d = t.newStreamingDecoder(true);
        StringBuilder sb = new StringBuilder();
        for (int id : odd) {
            t.tokenContent(id);
            t.isSpecial(id);
            sb.append(d.push(id));
        }
        sb.append(d.flush());
        if (!sb.toString().equals(t.decode(odd, true))) {
            throw new AssertionError("streaming decode differs from decode");
        }
        t.specialTokensMap();
    }
}
