package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written Qwen matcher against explicit cases and against java.util.regex running the same pattern. */
class PreTokenizerTest {
    private static final QwenPreTokenizer QWEN = new QwenPreTokenizer(1);
    private static final QwenPreTokenizer LLAMA3 = new QwenPreTokenizer(3);

    static List<String> pieces(PreTokenizer p, String s) {
        List<String> out = new ArrayList<>();
        p.split(s, 0, s.length(), (str, a, b) -> out.add(str.substring(a, b)));
        return out;
    }

    static RegexPreTokenizer regex(String pattern) {
        return new RegexPreTokenizer(RegexPreTokenizer.compileOniguruma(pattern),
                RegexPreTokenizer.Behavior.ISOLATED, false);
    }

    @Test
    void explicitCases() {
        assertEquals(List.of("Hello", ",", " world", "!"), pieces(QWEN, "Hello, world!"));
        assertEquals(List.of("1", "2", "3", "4", "5"), pieces(QWEN, "12345"));
        assertEquals(List.of("123", "45"), pieces(LLAMA3, "12345"));
        assertEquals(List.of("I", "'m", " you", "'RE", "'ll", "'ſ", "x"), pieces(QWEN, "I'm you'RE'll'ſx"));
        assertEquals(List.of("a", " ", " b"), pieces(QWEN, "a  b"));
        assertEquals(List.of("  \n", "  "), pieces(QWEN, "  \n  "));
        assertEquals(List.of("   \n\n\t\t  \r\n", " ", " x"), pieces(QWEN, "   \n\n\t\t  \r\n  x"));
        assertEquals(List.of("word", "\n", " "), pieces(QWEN, "word\n "));
        assertEquals(List.of("$hello", " (", "x", ")\n\n"), pieces(QWEN, "$hello (x)\n\n"));
        assertEquals(List.of("\u3000全角空格", "\u3000", "\u3000测试"), pieces(QWEN, "\u3000全角空格\u3000\u3000测试"));
        assertEquals(List.of("next", "\u0085line"), pieces(QWEN, "next\u0085line"));
        // U+180E is not White_Space (since Unicode 6.3) nor a letter: it leads the next word
        assertEquals(List.of("mongolian", "\u180Evowel"), pieces(QWEN, "mongolian\u180Evowel"));
        assertEquals(List.of(" ?!", " 😀😀"), pieces(QWEN, " ?! 😀😀"));
    }

    @Test
    void agreesWithTheRegexOnRandomText() {
        RegexPreTokenizer qwenRegex = regex(QwenPreTokenizer.QWEN_PATTERN);
        RegexPreTokenizer llamaRegex = regex(QwenPreTokenizer.LLAMA3_PATTERN);
        Random rnd = new Random(11);
        for (int i = 0; i < 5000; i++) {
            String s = TestStrings.fromPools(rnd, 30);
            assertEquals(pieces(qwenRegex, s), pieces(QWEN, s), () -> RoundTripPropertyTest.codePoints(s));
            assertEquals(pieces(llamaRegex, s), pieces(LLAMA3, s), () -> RoundTripPropertyTest.codePoints(s));
        }
    }

    @Test
    void splitBehaviours() {
        String s = "a-b--c";
        java.util.regex.Pattern dash = java.util.regex.Pattern.compile("-");
        assertEquals(List.of("a", "b", "c"), pieces(new RegexPreTokenizer(dash, RegexPreTokenizer.Behavior.REMOVED, false), s));
        assertEquals(List.of("a", "-", "b", "-", "-", "c"),
                pieces(new RegexPreTokenizer(dash, RegexPreTokenizer.Behavior.ISOLATED, false), s));
        assertEquals(List.of("a-", "b-", "-", "c"),
                pieces(new RegexPreTokenizer(dash, RegexPreTokenizer.Behavior.MERGED_WITH_PREVIOUS, false), s));
        assertEquals(List.of("a", "-b", "-", "-c"),
                pieces(new RegexPreTokenizer(dash, RegexPreTokenizer.Behavior.MERGED_WITH_NEXT, false), s));
        assertEquals(List.of("a", "-", "b", "--", "c"),
                pieces(new RegexPreTokenizer(dash, RegexPreTokenizer.Behavior.CONTIGUOUS, false), s));
        assertEquals(List.of("-", "-", "-"), pieces(new RegexPreTokenizer(dash, RegexPreTokenizer.Behavior.REMOVED, true), s));
    }

    @Test
    void aCatastrophicallyBacktrackingPatternFailsInsteadOfHanging() {
        // ((a+)+)+c on "aaa…ab" backtracks exponentially; unbounded this would not finish in our lifetime (found by fuzzing:
        // the Split pattern of a tokenizer.json is a stranger's regex)
        RegexPreTokenizer evil = regex("((a+)+)+c"); // java.util.regex memoises (a+)+, not this
        String text = "a".repeat(60) + "b";
        TokenizerException e = org.junit.jupiter.api.Assertions.assertThrows(TokenizerException.class, () -> pieces(evil, text));
        Hostile.requireOneLine(e);
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("catastrophic backtracking"), e.getMessage());
        // a harmless pattern on a long text stays far below the bound
        assertEquals(2, pieces(regex("a+|b"), "a".repeat(100_000) + "b").size());
    }

    @Test
    void anInvalidSplitPatternInTokenizerJsonIsAOneLineError() {
        com.fasterxml.jackson.databind.node.ObjectNode json = TinyTokenizers.valid();
        ((com.fasterxml.jackson.databind.node.ObjectNode) json.get("pre_tokenizer").get("pretokenizers").get(0).get("pattern"))
                .put("Regex", "(?pre_tokenizer");
        byte[] bytes = json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        TokenizerException e = org.junit.jupiter.api.Assertions.assertThrows(TokenizerException.class,
                () -> Tokenizer.parse(bytes, null, "bad"));
        Hostile.requireOneLine(e);
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("pattern.Regex") && e.getMessage().contains("invalid regular expression"),
                e.getMessage());
    }
}
