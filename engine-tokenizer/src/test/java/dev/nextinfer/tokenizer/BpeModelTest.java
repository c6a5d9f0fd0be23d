package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The flat-array merge loop, the heap-based one and the rank-bucket one produce the same tokens. */
class BpeModelTest {
    @Test
    void smallAndLargeMergeAgree() {
        BpeModel model = Tokenizer.qwen3().model();
        Random rnd = new Random(41);
        String[] words = {"hello", " world", "\n\n\n\n\n", "          ", "!!!!!!", "aaaaaaaaaaaaaaaaaaaa", "ationalization"};
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + rnd.nextInt(6);
            for (int k = 0; k < parts; k++) {
                sb.append(rnd.nextBoolean() ? words[rnd.nextInt(words.length)] : TestStrings.fromPools(rnd, 8));
            }
            byte[] bytes = Utf8.encode(sb.toString());
            int[] small = model.mergeSmall(model.initialSymbols(bytes));
            int[] large = model.mergeLarge(model.initialSymbols(bytes));
            int[] byRank = model.mergeByRank(model.initialSymbols(bytes));
            assertArrayEquals(small, large, sb::toString);
            assertArrayEquals(small, byRank, sb::toString);
        }
    }

    @Test
    void qwenMergesAreRankOrdered() {
        assertTrue(Tokenizer.qwen3().model().rankOrdered());
    }

    /** A duplicate rule re-ranks "bc" after a rule that uses it: not rank-ordered, so long words use the heap. */
    @Test
    void unorderedTablesFallBackToTheHeap(@TempDir Path dir) throws Exception {
        ObjectNode json = TinyTokenizers.valid();
        ObjectNode vocab = (ObjectNode) json.get("model").get("vocab");
        vocab.put("bc", 300);
        vocab.put("bcd", 301);
        ArrayNode merges = (ArrayNode) json.get("model").get("merges");
        merges.addArray().add("b").add("c");
        merges.addArray().add("bc").add("d");
        merges.addArray().add("b").add("c");
        Tokenizer t = Tokenizer.fromFiles(TinyTokenizers.write(dir, json), null);
        assertFalse(t.model().rankOrdered());
        String word = "bcd".repeat(40) + "hello";
        byte[] bytes = Utf8.encode(word);
        assertArrayEquals(t.model().mergeSmall(t.model().initialSymbols(bytes)), t.encode(word));
        assertEquals(word, t.decode(t.encode(word), false));
    }
}
