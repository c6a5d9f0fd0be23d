package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Lone surrogates are replaced by U+FFFD (documented behaviour, never an exception), and hostile inputs
 * complete with the right result (their timings are in the JMH suite and docs/performance.md).
 */
class LoneSurrogateAndHostileInputTest {
    private static final Tokenizer TOK = Tokenizer.qwen3();

    @Test
    void loneSurrogatesEncodeAsReplacementCharacter() {
        String[][] cases = {
            {"a\uD800b", "a\uFFFDb"},
            {"\uDC00start", "\uFFFDstart"},
            {"end\uD83D", "end\uFFFD"},
            {"\uDE00\uD83D reversed pair", "\uFFFD\uFFFD reversed pair"},
            {"ok \uD83D\uDE00 pair", "ok \uD83D\uDE00 pair"},
            {"<|im_start|>\uD800<|im_end|>", "<|im_start|>\uFFFD<|im_end|>"},
        };
        for (String[] c : cases) {
            assertArrayEquals(TOK.encode(c[1]), TOK.encode(c[0]), c[1]);
            assertEquals(c[1], TOK.decode(TOK.encode(c[0]), false));
        }
    }

    @Test
    void replaceLoneSurrogatesKeepsValidText() {
        String s = "plain ascii and 😀";
        assertTrue(s == Utf8.replaceLoneSurrogates(s), "no copy when there is nothing to replace");
    }

    @Test
    void oneMegabyteWithoutSpaces() {
        String letters = "a".repeat(1 << 20);
        assertEquals(letters, TOK.decode(TOK.encode(letters), false));
        Random rnd = new Random(7);
        StringBuilder sb = new StringBuilder();
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789.,;:-_!?()[]{}'\"/\\|@#";
        while (sb.length() < (1 << 20)) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        String mixed = sb.toString();
        assertEquals(mixed, TOK.decode(TOK.encode(mixed), false));
    }

    @Test
    void oneMegabyteOfOneEmoji() {
        String emoji = "😀".repeat((1 << 20) / 4);
        int[] ids = TOK.encode(emoji);
        assertEquals(emoji, TOK.decode(ids, false));
    }

    @Test
    void tenMegabytesOfNewlines() {
        String newlines = "\n".repeat(10 << 20);
        int[] ids = TOK.encode(newlines);
        assertTrue(ids.length < newlines.length() / 4, "runs of newlines merge into long tokens");
        assertEquals(newlines, TOK.decode(ids, false));
    }

    @Test
    void longRunsOfMixedWhitespace() {
        String s = " \n\t".repeat(300_000) + "x" + "  ".repeat(300_000);
        assertEquals(s, TOK.decode(TOK.encode(s), false));
    }
}
