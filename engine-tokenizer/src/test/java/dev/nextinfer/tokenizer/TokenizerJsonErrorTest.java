package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Invalid tokenizer.json files give one-line errors that name the file and the JSON path. */
class TokenizerJsonErrorTest {
    @TempDir
    Path dir;

    private TokenizerException failure(Consumer<ObjectNode> breakIt) throws Exception {
        ObjectNode json = TinyTokenizers.valid();
        breakIt.accept(json);
        Path file = TinyTokenizers.write(dir, json);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromFiles(file, null));
        assertOneLine(e, file);
        return e;
    }

    private static void assertOneLine(TokenizerException e, Path file) {
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'), e.getMessage());
    }

    private static void assertContains(String part, TokenizerException e) {
        assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
    }

    @Test
    void theTinyTokenizerIsValid() throws Exception {
        Tokenizer t = Tokenizer.fromFiles(TinyTokenizers.write(dir, TinyTokenizers.valid()), null);
        assertArrayEquals(new int[] {258, 'o', 259, 'o', 'r', 'l', 'd'}, t.encode("hello world"));
        assertEquals("hello world", t.decode(t.encode("hello world"), false));
    }

    @Test
    void missingModel() throws Exception {
        assertContains("$.model: missing", failure(j -> j.remove("model")));
    }

    @Test
    void unknownModelType() throws Exception {
        TokenizerException e = failure(j -> ((ObjectNode) j.get("model")).put("type", "WordPiece"));
        assertContains("$.model.type: unsupported model type \"WordPiece\"", e);
    }

    @Test
    void mergeWithUnknownToken() throws Exception {
        TokenizerException e = failure(j -> ((ArrayNode) j.get("model").get("merges")).addArray().add("zz").add("q"));
        assertContains("$.model.merges[4]: token \"zz\" is not in $.model.vocab", e);
    }

    @Test
    void mergeWhoseResultIsNotInTheVocab() throws Exception {
        TokenizerException e = failure(j -> ((ArrayNode) j.get("model").get("merges")).addArray().add("a").add("b"));
        assertContains("$.model.merges[4]: merged token \"ab\" is not in $.model.vocab", e);
    }

    @Test
    void legacyMergeStringWithoutSpace() throws Exception {
        TokenizerException e = failure(j -> ((ArrayNode) j.get("model").get("merges")).add("ab"));
        assertContains("$.model.merges[4]: expected two tokens separated by one space", e);
    }

    @Test
    void vocabIdNotAnInteger() throws Exception {
        TokenizerException e = failure(j -> ((ObjectNode) j.get("model").get("vocab")).put("a", "x"));
        assertContains("$.model.vocab[\"a\"]: expected a non-negative integer id", e);
    }

    @Test
    void addedTokenWithoutContent() throws Exception {
        TokenizerException e = failure(j -> ((ObjectNode) j.get("added_tokens").get(1)).remove("content"));
        assertContains("$.added_tokens[1].content: missing", e);
    }

    @Test
    void notByteLevel() throws Exception {
        TokenizerException e = failure(j -> ((ArrayNode) j.get("pre_tokenizer").get("pretokenizers")).remove(1));
        assertContains("$.pre_tokenizer: no ByteLevel step", e);
        e = failure(j -> ((ObjectNode) j.get("decoder")).put("type", "WordPiece"));
        assertContains("$.decoder.type: unsupported decoder type \"WordPiece\"", e);
    }

    @Test
    void unsupportedNormalizer() throws Exception {
        TokenizerException e = failure(j -> ((ObjectNode) j.get("normalizer")).put("type", "Precompiled"));
        assertContains("$.normalizer.type: unsupported normalizer type \"Precompiled\"", e);
    }

    @Test
    void notJson() throws Exception {
        Path file = TinyTokenizers.write(dir, "tokenizer.json", "{\"model\": {\"vocab\": {\"a\": 1,, }}}");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromFiles(file, null));
        assertOneLine(e, file);
        assertContains("$.model.vocab.a: not valid JSON (line 1, column 29)", e);
    }

    @Test
    void truncatedFile() throws Exception {
        String full = Goldens.JSON.writeValueAsString(TinyTokenizers.valid());
        Path file = TinyTokenizers.write(dir, "tokenizer.json", full.substring(0, full.length() / 2));
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromFiles(file, null));
        assertOneLine(e, file);
        assertContains("not valid JSON", e);
    }

    @Test
    void missingFileAndBadConfig() throws Exception {
        Path missing = dir.resolve("nope.json");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.fromFiles(missing, null));
        assertOneLine(e, missing);
        Path tok = TinyTokenizers.write(dir, TinyTokenizers.valid());
        Path cfg = TinyTokenizers.write(dir, "tokenizer_config.json", "{\"chat_template\": 3}");
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromFiles(tok, cfg));
        assertOneLine(e, cfg);
        assertContains("$.chat_template", e);
        Path badTemplate = TinyTokenizers.write(dir, "tokenizer_config.json", "{\"chat_template\": \"{% if %}\"}");
        e = assertThrows(TokenizerException.class, () -> Tokenizer.fromFiles(tok, badTemplate));
        assertContains("chat template line 1", e);
    }
}
