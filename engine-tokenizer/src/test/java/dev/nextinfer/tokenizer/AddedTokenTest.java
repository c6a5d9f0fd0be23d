package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Added-token matching flags, vocabulary queries and the special-token options of decode. */
class AddedTokenTest {
    @TempDir
    Path dir;

    private Tokenizer tiny() throws Exception {
        return Tokenizer.fromFiles(TinyTokenizers.write(dir, TinyTokenizers.valid()), null);
    }

    @Test
    void lstripSwallowsSpacesOnTheLeft() throws Exception {
        Tokenizer t = tiny();
        // "<x>" has lstrip: the two spaces before it belong to the token
        assertArrayEquals(new int[] {'a', 261, 'b'}, t.encode("a  <x>b"));
    }

    @Test
    void singleWordOnlyOutsideWords() throws Exception {
        Tokenizer t = tiny();
        int[] inside = t.encode("x[SW]y");
        assertFalse(contains(inside, 262), "inside a word: not the token");
        int[] outside = t.encode("x [SW] y");
        assertTrue(contains(outside, 262), "between spaces: the token");
    }

    @Test
    void normalizedTokensMatchAfterNormalizationAndRstrip() throws Exception {
        Tokenizer t = tiny();
        // "<n>" is normalized and rstrips: the spaces after it are part of the match
        int[] ids = t.encode("a<n>   b");
        assertArrayEquals(new int[] {'a', 263, 'b'}, ids);
    }

    @Test
    void specialTokensAndVocabularyQueries() {
        Tokenizer q = Tokenizer.qwen3();
        assertEquals(151669, q.vocabSize());
        assertEquals(OptionalInt.of(151645), q.tokenId("<|im_end|>"));
        assertEquals(OptionalInt.of(151667), q.tokenId("<think>"));
        assertEquals(OptionalInt.of(14990), q.tokenId("hello"));
        assertEquals(OptionalInt.empty(), q.tokenId("no such token"));
        assertTrue(q.isSpecial(151645));
        assertFalse(q.isSpecial(151667), "<think> is added but not special");
        assertEquals("<think>", q.tokenContent(151667));
        assertEquals(null, q.tokenContent(151700));
        assertEquals("<|im_end|>", q.eosToken().orElseThrow());
        assertTrue(q.bosToken().isEmpty());
        int[] ids = q.encode("<think>x</think><|im_end|>");
        assertEquals("<think>x</think>", q.decode(ids, true));
        assertEquals("<think>x</think><|im_end|>", q.decode(ids, false));
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }
}
