package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nextinfer.core.testing.VocabGguf;
import dev.nextinfer.tokenizer.BpeVocabulary;
import dev.nextinfer.tokenizer.GoldenChecks;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;

/**
 * The tokenizer read from the vocabulary GGUF against the bundled Hugging Face one, id by id, and against
 * llama.cpp's own reading of the same file.
 */
class GgufTokenizerVocabTest {
    /**
     * {@code <|fim_prefix|>} … {@code <|file_sep|>}: {@code special: false} in Qwen's {@code tokenizer.json}, but
     * CONTROL in the GGUF because {@code convert_hf_to_gguf.py} marks every added token that looks special as
     * CONTROL. Nothing in the file tells them apart from the truly special ones.
     */
    private static final List<Integer> CONTROL_BUT_NOT_SPECIAL_IN_HF = List.of(151659, 151660, 151661, 151662, 151663,
            151664);

    @Test
    void everyIdHasTheSameTokenAndSpecialnessAsTheBundledTokenizer() {
        Tokenizer gguf = VocabGguf.tokenizer();
        Tokenizer hf = Tokenizer.qwen3();
        assertEquals(hf.vocabSize(), gguf.vocabSize());
        List<Integer> specialnessDiffers = new ArrayList<>();
        for (int id = -1; id <= 151936; id++) {
            assertEquals(hf.tokenContent(id), gguf.tokenContent(id), "token of id " + id);
            if (hf.isSpecial(id) != gguf.isSpecial(id)) {
                specialnessDiffers.add(id);
            }
            // same bytes: whole-id decoding is byte-exact whatever the UTF-8 validity of one token
            int[] one = {id};
            assertEquals(hf.decode(one, false), gguf.decode(one, false), "decode of id " + id);
            if (hf.tokenContent(id) != null) {
                assertEquals(id, gguf.tokenId(hf.tokenContent(id)).orElseThrow());
            }
        }
        assertEquals(CONTROL_BUT_NOT_SPECIAL_IN_HF, specialnessDiffers);
        for (int id : CONTROL_BUT_NOT_SPECIAL_IN_HF) {
            assertFalse(hf.isSpecial(id));
        }
    }

    @Test
    void unusedPaddingIdsAreNotMatchedInText() {
        Tokenizer gguf = VocabGguf.tokenizer();
        assertArrayEquals(Tokenizer.qwen3().encode("[PAD151669] [PAD151935]"), gguf.encode("[PAD151669] [PAD151935]"));
        assertEquals("", gguf.decode(new int[] {151669, 151935}, false));
    }

    @Test
    void chatTemplateAndItsVariables() {
        Tokenizer gguf = VocabGguf.tokenizer();
        Tokenizer hf = Tokenizer.qwen3();
        assertEquals(hf.chatTemplate().source(), gguf.chatTemplate().source());
        assertEquals(hf.eosToken(), gguf.eosToken());
        assertEquals(hf.specialTokensMap().get("pad_token"), gguf.specialTokensMap().get("pad_token"));
        // the converter takes bos_token_id from config.json; Qwen's tokenizer_config.json has no bos_token
        assertEquals(Map.of("bos_token", "<|endoftext|>", "eos_token", "<|im_end|>", "pad_token", "<|endoftext|>"),
                gguf.specialTokensMap());
    }

    @Test
    void llamaTokenizeGivesTheSameIds() {
        JsonNode check = VocabGguf.tokenizeCheck();
        assertEquals(5, check.get("rows").size());
        for (JsonNode row : check.get("rows")) {
            int[] llama = ints(row.get("llama"));
            assertArrayEquals(llama, VocabGguf.tokenizer().encode(row.get("text").asText()), row.get("id").asText());
            assertArrayEquals(ints(row.get("golden")), llama);
        }
    }

    /**
     * Without NFC the vocabulary is llama.cpp's tokenizer: the encode rows llama.cpp gets wrong are exactly the
     * ones this tokenizer (with NFC) gets right only thanks to NFC.
     */
    @Test
    void withoutNfcItDiffersFromHuggingFaceExactlyWhereLlamaCppDoes() {
        BpeVocabulary v;
        try (GgufModel m = GgufModel.open(VocabGguf.file())) {
            v = GgufTokenizer.vocabulary(m);
        }
        Tokenizer noNfc = Tokenizer.fromVocabulary(new BpeVocabulary(v.tokens(), v.types(), v.merges(),
                v.preTokenizer(), false, v.bosId(), v.eosId(), v.padId(), v.unkId(), v.addBos(), v.addEos(),
                v.chatTemplate()));
        TreeSet<String> differ = new TreeSet<>();
        GoldenChecks.cases("encode").forEach(a -> {
            JsonNode c = (JsonNode) ((Named<?>) a.get()[0]).getPayload();
            if (!Arrays.equals(VocabGguf.tokenizer().encode(c.get("text").asText()),
                    noNfc.encode(c.get("text").asText()))) {
                differ.add(c.get("id").asText());
            }
        });
        TreeSet<String> llamaDiffers = new TreeSet<>();
        VocabGguf.tokenizeCheck().get("all_encode_rows").get("mismatches").forEach(n -> llamaDiffers.add(n.asText()));
        assertEquals(14, llamaDiffers.size());
        assertEquals(llamaDiffers, differ);
    }

    private static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }
}
