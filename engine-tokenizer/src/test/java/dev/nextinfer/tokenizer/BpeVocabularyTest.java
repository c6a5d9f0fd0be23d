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
    private static final String[][] MERGES = {{"h", "e"}, {"l", "l"}, {"he", "ll"}, {"Ġ", "w"}};

    @TempDir
    Path dir;

    /** Ids 0–255 bytes, then the merged tokens, then {@code <|end|>} (control), {@code <x>} (user-defined), one unused token. */
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
            add("[PAD262]", TokenType.UNUSED);
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
        added.addObject().put("id", 260).put("content", "<|end|>").put("special", true).put("normalized", false);
        added.addObject().put("id", 261).put("content", "<x>").put("special", false).put("normalized", false);
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
        assertTrue(vocab.isSpecial(260));
        assertFalse(vocab.isSpecial(261));
    }

    @Test
    void unusedTokensAreNeverMatchedAndDecodeToNothing() {
        Tokenizer t = new Tiny().build();
        assertEquals(262, t.vocabSize());
        assertNull(t.tokenContent(262));
        assertEquals("", t.decode(new int[] {262}, false));
        assertFalse(Arrays.stream(t.encode("[PAD262]")).anyMatch(id -> id == 262));
        assertTrue(t.tokenId("[PAD262]").isEmpty());
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
        tiny.bos = 260;
        tiny.eos = 261;
        int[] plain = tiny.build().encode("he");
        tiny.addBos = true;
        tiny.addEos = true;
        Tokenizer t = tiny.build();
        assertArrayEquals(new int[] {260, plain[0], 261}, t.encode("he"));
        assertArrayEquals(plain, t.encode("he", false));
    }

    @Test
    void chatTemplateSeesTheSpecialTokens() {
        Tiny tiny = new Tiny();
        tiny.bos = 260;
        tiny.eos = 261;
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
        expect("types", -1, "has 263 entries but tokens has 264", t -> t.add("x", TokenType.NORMAL).types.removeLast());
        expect("preTokenizer", -1, "unknown pre-tokenizer \"gpt4o\" (known: qwen2)", t -> t.pre = "gpt4o");
        expect("bosId", -1, "token id 263 is out of range (the vocabulary has 263 tokens)", t -> t.bos = 263);
        expect("eosId", -1, "token id -2 is out of range", t -> t.eos = -2);
        expect("addBos", -1, "is set but there is no bosId", t -> t.addBos = true);
        expect("tokens", 3, "is null", t -> t.tokens.set(3, null));
        expect("types", 7, "is null", t -> t.types.set(7, null));
    }

    @Test
    void vocabularyErrors() {
        expect("tokens", 263, "\"he\" is also token 256", t -> t.add("he", TokenType.NORMAL));
        expect("tokens", 263, "\"<x>\" is also token 261", t -> t.add("<x>", TokenType.CONTROL));
        expect("tokens", 263, "empty token of type USER_DEFINED", t -> t.add("", TokenType.USER_DEFINED));
        expect("merges", 4, "expected two tokens separated by one space, got \"hel lo x\"", t -> t.merges.add("hel lo x"));
        expect("merges", 4, "token \"zz\" is not a normal token of the vocabulary", t -> t.merges.add("h zz"));
        expect("merges", 4, "merged token \"hh\" is not a normal token", t -> t.merges.add("h h"));
        expect("merges", 4, "token \"<x>\" is not a normal token", t -> t.merges.add("<x> h"));
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
