package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small hand-made vocabulary GGUFs: a valid one works, and each broken key fails with one
 * {@link CheckpointException} line naming the file and the key, never an exception from deep inside.
 */
class GgufTokenizerErrorTest {
    @TempDir
    Path dir;

    private int files;

    /** The byte-level alphabet of GPT-2 (what the 256 byte tokens are written as). */
    private static String byteToken(int b) {
        boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE;
        if (printable) {
            return String.valueOf((char) b);
        }
        int n = 0;
        for (int x = 0; x < b; x++) {
            if (!(x >= '!' && x <= '~' || x >= 0xA1 && x <= 0xAC || x >= 0xAE)) {
                n++;
            }
        }
        return String.valueOf((char) (256 + n));
    }

    /**
     * 256 byte tokens (ids 0–255), "he", "ll", "hell" (256–258), {@code <|end|>} control (259), {@code <think>}
     * user-defined (260), {@code [PAD261]} unused (261); eos 259, and a template printing eos_token.
     */
    static Map<String, GgufValue> valid() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(byteToken(b));
        }
        tokens.addAll(List.of("he", "ll", "hell", "<|end|>", "<think>", "[PAD261]"));
        long[] types = new long[tokens.size()];
        Arrays.fill(types, 1);
        types[259] = 3;
        types[260] = 4;
        types[261] = 5;
        Map<String, GgufValue> kv = new LinkedHashMap<>();
        kv.put("general.architecture", str("qwen3next"));
        kv.put(GgufTokenizer.MODEL, str("gpt2"));
        kv.put(GgufTokenizer.PRE, str("qwen2"));
        kv.put(GgufTokenizer.TOKENS, strings(tokens.toArray(String[]::new)));
        kv.put(GgufTokenizer.TYPES, new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.INT32, types)));
        kv.put(GgufTokenizer.MERGES, strings("h e", "l l", "he ll"));
        kv.put(GgufTokenizer.EOS, uint32(259));
        kv.put(GgufTokenizer.ADD_BOS, new GgufValue(GgufValueType.BOOL, false));
        kv.put(GgufTokenizer.TEMPLATE, str("{% for m in messages %}{{ m.content }}{{ eos_token }}{% endfor %}"));
        return kv;
    }

    private static GgufValue str(String s) {
        return new GgufValue(GgufValueType.STRING, s);
    }

    private static GgufValue uint32(long v) {
        return new GgufValue(GgufValueType.UINT32, v);
    }

    private static GgufValue strings(String... s) {
        return new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.STRING, s));
    }

    private Path write(Map<String, GgufValue> kv) throws IOException {
        GgufWriter w = new GgufWriter();
        kv.forEach(w::put);
        Path p = dir.resolve("vocab" + files++ + ".gguf");
        w.write(p, (name, dst) -> { });
        return p;
    }

    /** The one-line error of reading the tokenizer of {@link #valid()} after {@code edit}. */
    private String error(Consumer<Map<String, GgufValue>> edit, String key) throws IOException {
        Map<String, GgufValue> kv = valid();
        edit.accept(kv);
        Path p = write(kv);
        CheckpointException e = assertThrows(CheckpointException.class, () -> ModelFiles.tokenizerOf(p));
        assertTrue(e.getMessage().startsWith(p + ": "), "names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains("'" + key + "'"), () -> "names " + key + ": " + e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    private void expect(String key, String part, Consumer<Map<String, GgufValue>> edit) throws IOException {
        String msg = error(edit, key);
        assertTrue(msg.contains(part), () -> "'" + part + "' not in " + msg);
    }

    @Test
    void validVocabulary() throws IOException {
        Tokenizer t = ModelFiles.tokenizerOf(write(valid()));
        // byte tokens have the byte's id here: "hell" "o" <|end|> <think> "he"
        assertArrayEquals(new int[] {258, 'o', 259, 260, 256}, t.encode("hello<|end|><think>he"));
        assertEquals("hello<think>", t.decode(t.encode("hello<|end|><think>"), true));
        assertTrue(t.isSpecial(259));
        assertFalse(t.isSpecial(260));
        assertEquals(261, t.vocabSize(), "the unused id is not part of the tokenizer");
        assertEquals("hi<|end|>", t.chatTemplate().render(List.of(Map.of("role", "user", "content", "hi")), null,
                false, null));
    }

    @Test
    void wrongKindOfVocabulary() throws IOException {
        expect(GgufTokenizer.MODEL, "is \"llama\": only \"gpt2\" (byte-level BPE)", kv -> kv.put(GgufTokenizer.MODEL, str("llama")));
        expect(GgufTokenizer.PRE, "is \"llama-bpe\": only the Qwen2 pre-tokenizer is supported",
                kv -> kv.put(GgufTokenizer.PRE, str("llama-bpe")));
        expect(GgufTokenizer.TYPES, "entry 7 is 6 (byte)", kv -> ((long[]) ((GgufValue.Array) kv.get(GgufTokenizer.TYPES)
                .value()).values())[7] = 6);
        expect(GgufTokenizer.TYPES, "entry 7 is 0, not a token type", kv -> ((long[]) ((GgufValue.Array) kv.get(GgufTokenizer.TYPES)
                .value()).values())[7] = 0);
    }

    @Test
    void missingOrMistypedKeys() throws IOException {
        for (String key : List.of(GgufTokenizer.MODEL, GgufTokenizer.PRE, GgufTokenizer.TOKENS, GgufTokenizer.TYPES,
                GgufTokenizer.MERGES)) {
            expect(key, "missing metadata key", kv -> kv.remove(key));
        }
        expect(GgufTokenizer.TOKENS, "expected an array of [STRING]", kv -> kv.put(GgufTokenizer.TOKENS,
                new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.INT32, new long[] {1, 2}))));
        expect(GgufTokenizer.TYPES, "expected an array of", kv -> kv.put(GgufTokenizer.TYPES, strings("1")));
        expect(GgufTokenizer.MERGES, "expected an array", kv -> kv.put(GgufTokenizer.MERGES, str("h e")));
        expect(GgufTokenizer.MODEL, "expected a string", kv -> kv.put(GgufTokenizer.MODEL, uint32(2)));
        expect(GgufTokenizer.EOS, "expected an integer", kv -> kv.put(GgufTokenizer.EOS, str("<|end|>")));
        expect(GgufTokenizer.ADD_BOS, "expected a boolean", kv -> kv.put(GgufTokenizer.ADD_BOS, uint32(1)));
        expect(GgufTokenizer.TEMPLATE, "expected a string", kv -> kv.put(GgufTokenizer.TEMPLATE, uint32(1)));
    }

    @Test
    void inconsistentArrays() throws IOException {
        expect(GgufTokenizer.TYPES, "has 261 entries but tokenizer.ggml.tokens has 262", kv -> kv.put(GgufTokenizer.TYPES,
                new GgufValue(GgufValueType.ARRAY, new GgufValue.Array(GgufValueType.INT32, new long[261]))));
        expect(GgufTokenizer.TOKENS, "entry 260: \"hell\" is also token 258", kv -> ((String[]) ((GgufValue.Array) kv
                .get(GgufTokenizer.TOKENS).value()).values())[260] = "hell");
    }

    @Test
    void badMerges() throws IOException {
        expect(GgufTokenizer.MERGES, "entry 1: token \"lx\" is not a normal token of the vocabulary",
                kv -> kv.put(GgufTokenizer.MERGES, strings("h e", "lx l")));
        expect(GgufTokenizer.MERGES, "entry 0: merged token \"hh\" is not a normal token",
                kv -> kv.put(GgufTokenizer.MERGES, strings("h h")));
        expect(GgufTokenizer.MERGES, "entry 2: expected two tokens separated by one space, got \"hell\"",
                kv -> kv.put(GgufTokenizer.MERGES, strings("h e", "l l", "hell")));
        expect(GgufTokenizer.MERGES, "entry 0: token \"<|end|>\" is not a normal token",
                kv -> kv.put(GgufTokenizer.MERGES, strings("<|end|> h")));
    }

    @Test
    void badSpecialIds() throws IOException {
        expect(GgufTokenizer.BOS, "is 262, outside the vocabulary (262 tokens", kv -> kv.put(GgufTokenizer.BOS, uint32(262)));
        expect(GgufTokenizer.EOS, "is -1, outside the vocabulary", kv -> kv.put(GgufTokenizer.EOS,
                new GgufValue(GgufValueType.INT32, -1L)));
        expect(GgufTokenizer.PAD, "is 18446744073709551615, outside", kv -> kv.put(GgufTokenizer.PAD, new GgufValue(GgufValueType.UINT64, -1L)));
        expect(GgufTokenizer.UNK, "is 4294967295, outside", kv -> kv.put(GgufTokenizer.UNK, uint32(0xFFFFFFFFL)));
        expect(GgufTokenizer.ADD_BOS, "is true but there is no tokenizer.ggml.bos_token_id",
                kv -> kv.put(GgufTokenizer.ADD_BOS, new GgufValue(GgufValueType.BOOL, true)));
    }

    @Test
    void badChatTemplate() throws IOException {
        expect(GgufTokenizer.TEMPLATE, "chat template line 1", kv -> kv.put(GgufTokenizer.TEMPLATE, str("{% for x in %}")));
    }
}
