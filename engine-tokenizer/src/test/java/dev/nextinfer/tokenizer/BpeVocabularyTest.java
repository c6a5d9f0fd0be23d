package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.tokenizer.BpeVocabulary.TokenType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** {@link Tokenizer#fromVocabulary}: the same tokenizer as the equivalent tokenizer.json, and its errors. */
class BpeVocabularyTest {
    private static final String[][] MERGES = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"Ġ", "w"}, {"1", "2"}, {"12", "3"}};

    @TempDir
    Path dir;

    /** Ids 0–255 bytes, then the merged tokens, then {@code <|end|>} (control), {@code <x>} (user-defined), one unused. */
    private static final class Tiny {
        final List<String> tokens = new ArrayList<>();
        final List<TokenType> types = new ArrayList<>();
        final List<String> merges = new ArrayList<>();
        String pre = BpeVocabulary.QWEN2;
        boolean nfc = true;
        int bos = BpeVocabulary.NONE;
        int eos = BpeVocabulary.NONE;
        boolean addBos;
        boolean addEos;
        String template;

        Tiny() {
            for (int b = 0; b < 256; b++) {
                add(String.valueOf(ByteLevel.charOf(b)), TokenType.NORMAL);
            }
            for (String[] m : MERGES) {
                add(m[0] + m[1], TokenType.NORMAL);
                merges.add(m[0] + " " + m[1]);
            }
            add("<|end|>", TokenType.CONTROL);
            add("<x>", TokenType.USER_DEFINED);
            add("[PAD264]", TokenType.UNUSED);
        }

        Tiny add(String token, TokenType type) {
            tokens.add(token);
            types.add(type);
            return this;
        }

        BpeVocabulary vocabulary() {
            return new BpeVocabulary(tokens, types, merges, pre, nfc, bos, eos, BpeVocabulary.NONE, BpeVocabulary.NONE,
                    addBos, addEos, template);
        }

        Tokenizer build() {
            return Tokenizer.fromVocabulary(vocabulary());
        }
    }

    /** The tokenizer.json of {@link Tiny}: Qwen's layout (NFC, Split + ByteLevel, added tokens not normalized). */
    private Tokenizer tinyFromJson() throws Exception {
        ObjectNode json = TinyTokenizers.valid();
        ArrayNode added = json.putArray("added_tokens");
        added.addObject().put("id", 262).put("content", "<|end|>").put("special", true).put("normalized", false);
        added.addObject().put("id", 263).put("content", "<x>").put("special", false).put("normalized", false);
        ObjectNode model = (ObjectNode) json.get("model");
        ObjectNode vocab = model.putObject("vocab");
        ArrayNode merges = model.putArray("merges");
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.charOf(b)), b);
        }
        int id = 256;
        for (String[] m : MERGES) {
            vocab.put(m[0] + m[1], id++);
            merges.add(m[0] + " " + m[1]);
        }
        return Tokenizer.fromFiles(TinyTokenizers.write(dir, json), null);
    }

    @Test
    void sameTokenizerAsTheEquivalentTokenizerJson() throws Exception {
        Tokenizer json = tinyFromJson();
        Tokenizer vocab = new Tiny().build();
        assertEquals(json.vocabSize(), vocab.vocabSize());
        for (String s : List.of("hello world", "<|end|>he<x>ll", "e\u0301 caf\u00e9 \u212b", "  \n\t x  ", "12345 6",
                "a<|end|><x>", "\ud83d\ude00 \u4e2d\u6587", "")) {
            assertArrayEquals(json.encode(s), vocab.encode(s), s);
        }
        int[] all = new int[json.vocabSize() + 2];
        Arrays.setAll(all, i -> i);
        for (boolean skip : new boolean[] {false, true}) {
            assertEquals(json.decode(all, skip), vocab.decode(all, skip));
        }
        for (int id : all) {
            assertEquals(json.tokenContent(id), vocab.tokenContent(id), "id " + id);
            assertEquals(json.isSpecial(id), vocab.isSpecial(id), "id " + id);
        }
        assertTrue(vocab.isSpecial(262));
        assertFalse(vocab.isSpecial(263));
    }

    @Test
    void unusedTokensAreNeverMatchedAndDecodeToNothing() {
        Tokenizer t = new Tiny().build();
        assertEquals(264, t.vocabSize());
        assertNull(t.tokenContent(264));
        assertEquals("", t.decode(new int[] {264}, false));
        assertFalse(Arrays.stream(t.encode("[PAD264]")).anyMatch(id -> id == 264));
        assertTrue(t.tokenId("[PAD264]").isEmpty());
    }

    @Test
    void llama3GroupsUpToThreeDigits() {
        Tiny tiny = new Tiny();
        int id123 = tiny.tokens.indexOf("123");
        assertArrayEquals(new int[] {'1', '2', '3', '4', '5'}, ids(tiny.build(), "12345"));
        tiny.pre = BpeVocabulary.LLAMA3;
        assertArrayEquals(new int[] {id123, '4', '5'}, ids(tiny.build(), "12345"));
    }

    /** Byte ids are the byte-level alphabet's positions, not the bytes: map back to bytes for readability. */
    private static int[] ids(Tokenizer t, String s) {
        return Arrays.stream(t.encode(s)).map(id -> id < 256 ? ByteLevel.decodeToken(t.tokenContent(id))[0] & 0xFF : id)
                .toArray();
    }

    @Test
    void nfcOnlyWhenAsked() {
        Tiny tiny = new Tiny();
        Tokenizer nfc = tiny.build();
        tiny.nfc = false;
        Tokenizer raw = tiny.build();
        assertArrayEquals(nfc.encode("\u00e9"), nfc.encode("e\u0301"));
        assertFalse(Arrays.equals(raw.encode("\u00e9"), raw.encode("e\u0301")));
        assertEquals("e\u0301", raw.decode(raw.encode("e\u0301"), false));
    }

    @Test
    void bosAndEosAreAddedWhenAsked() {
        Tiny tiny = new Tiny();
        tiny.bos = 262;
        tiny.eos = 263;
        int[] plain = tiny.build().encode("he");
        tiny.addBos = true;
        tiny.addEos = true;
        Tokenizer t = tiny.build();
        assertArrayEquals(new int[] {262, plain[0], 263}, t.encode("he"));
        assertArrayEquals(plain, t.encode("he", false));
    }

    @Test
    void chatTemplateSeesTheSpecialTokens() {
        Tiny tiny = new Tiny();
        tiny.bos = 262;
        tiny.eos = 263;
        tiny.template = "{{ bos_token }}|{{ eos_token }}|{{ pad_token is defined }}";
        Tokenizer t = tiny.build();
        assertEquals(Map.of("bos_token", "<|end|>", "eos_token", "<x>"), t.specialTokensMap());
        assertEquals("<|end|>", t.bosToken().orElseThrow());
        assertEquals("<|end|>|<x>|False", t.chatTemplate().render(List.of(), null, false, null));
        assertNull(new Tiny().build().chatTemplate());
    }

    // ---- errors

    @Test
    void recordErrors() {
        expect("types", -1, "has 265 entries but tokens has 266", t -> t.add("x", TokenType.NORMAL).types.removeLast());
        expect("preTokenizer", -1, "unknown pre-tokenizer \"gpt4o\" (known: qwen2, llama3)", t -> t.pre = "gpt4o");
        expect("bosId", -1, "token id 265 is out of range (the vocabulary has 265 tokens)", t -> t.bos = 265);
        expect("eosId", -1, "token id -2 is out of range", t -> t.eos = -2);
        expect("addBos", -1, "is set but there is no bosId", t -> t.addBos = true);
        expect("tokens", 3, "is null", t -> t.tokens.set(3, null));
        expect("types", 7, "is null", t -> t.types.set(7, null));
    }

    @Test
    void vocabularyErrors() {
        expect("tokens", 265, "\"he\" is also token 256", t -> t.add("he", TokenType.NORMAL));
        expect("tokens", 265, "\"<x>\" is also token 263", t -> t.add("<x>", TokenType.CONTROL));
        expect("tokens", 265, "empty token of type USER_DEFINED", t -> t.add("", TokenType.USER_DEFINED));
        expect("merges", 6, "expected two tokens separated by one space, got \"hel lo x\"", t -> t.merges.add("hel lo x"));
        expect("merges", 6, "token \"zz\" is not a normal token of the vocabulary", t -> t.merges.add("h zz"));
        expect("merges", 6, "merged token \"hh\" is not a normal token", t -> t.merges.add("h h"));
        expect("merges", 6, "token \"<x>\" is not a normal token", t -> t.merges.add("<x> h"));
        expect("chatTemplate", -1, "chat template line 1", t -> t.template = "{% for x in %}");
    }

    private static void expect(String component, int index, String problem, Consumer<Tiny> edit) {
        Tiny tiny = new Tiny();
        edit.accept(tiny);
        Executable build = tiny::build;
        VocabularyException e = assertThrows(VocabularyException.class, build);
        assertEquals(component, e.component(), e.getMessage());
        assertEquals(index, e.index(), e.getMessage());
        assertTrue(e.problem().contains(problem), () -> "'" + problem + "' not in " + e.getMessage());
        assertTrue(e.getMessage().startsWith(component + (index >= 0 ? "[" + index + "]" : "") + ": "), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
