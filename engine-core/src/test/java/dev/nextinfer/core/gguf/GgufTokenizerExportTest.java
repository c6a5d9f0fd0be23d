package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.VocabGguf;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * nextinfer writes a Hugging Face tokenizer into GGUF the way llama.cpp's converter does: the bundled Qwen3
 * {@code tokenizer.json} with the release's config gives the vocabulary GGUF llama.cpp made from the same files —
 * tokens, types, merges, special ids and template — except the six added tokens ({@code <|fim_prefix|>} …) that
 * Qwen's file marks {@code special: false} and the converter writes as CONTROL (user-defined here).
 */
class GgufTokenizerExportTest {

    @Test
    void qwen3TokenizerExportsAsLlamaCppConvertsIt() {
        Qwen3NextConfig cfg = ConfigParser.read(Fixtures.model("qwen3-next-80b-a3b-instruct.config.json"));
        Map<String, GgufValue> ours = GgufTokenizer.metadata(Tokenizer.qwen3(), cfg);
        try (GgufModel theirs = GgufModel.open(VocabGguf.file())) {
            for (String key : new String[] {GgufTokenizer.MODEL, GgufTokenizer.PRE, GgufTokenizer.TEMPLATE}) {
                assertEquals(theirs.string(key), ours.get(key).value(), key);
            }
            for (String key : new String[] {GgufTokenizer.BOS, GgufTokenizer.EOS, GgufTokenizer.PAD}) {
                assertEquals(theirs.integer(key), (Long) ours.get(key).value(), key);
            }
            assertArrayEquals((String[]) theirs.array(GgufTokenizer.TOKENS, GgufValueType.STRING).values(),
                    (String[]) ((GgufValue.Array) ours.get(GgufTokenizer.TOKENS).value()).values());
            assertArrayEquals((String[]) theirs.array(GgufTokenizer.MERGES, GgufValueType.STRING).values(),
                    (String[]) ((GgufValue.Array) ours.get(GgufTokenizer.MERGES).value()).values());
            long[] want = (long[]) theirs.array(GgufTokenizer.TYPES, GgufValueType.INT32).values();
            long[] got = (long[]) ((GgufValue.Array) ours.get(GgufTokenizer.TYPES).value()).values();
            assertEquals(want.length, got.length);
            String[] tokens = (String[]) theirs.array(GgufTokenizer.TOKENS, GgufValueType.STRING).values();
            int differ = 0;
            for (int i = 0; i < want.length; i++) {
                if (want[i] != got[i]) {
                    differ++;
                    assertEquals(3, want[i], tokens[i]);
                    assertEquals(4, got[i], tokens[i]);
                    assertEquals(true, tokens[i].startsWith("<|fim_") || Arrays.asList("<|repo_name|>", "<|file_sep|>").contains(tokens[i]), tokens[i]);
                }
            }
            assertEquals(6, differ);
        }
    }
}
