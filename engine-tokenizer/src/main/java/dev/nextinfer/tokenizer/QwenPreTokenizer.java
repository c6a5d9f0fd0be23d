package dev.nextinfer.tokenizer;

/**
 * A hand-written, linear-time matcher for the Split regex of Qwen2/Qwen3 (and, with {@code maxDigits = 3},
 * Llama 3), with behaviour {@code Isolated}:
 *
 * <pre>
 * (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 * </pre>
 *
 * Every position of the text matches one alternative, so the pieces are exactly the successive leftmost-first
 * matches. Each alternative below is what Oniguruma's backtracking makes of it:
 * <ol>
 * <li>an apostrophe and a contraction in either case; Oniguruma's {@code (?i)} applies Unicode simple case
 * folding, under which U+017F {@code ſ} folds to {@code s} (the only non-ASCII character that folds to one of
 * these letters), so {@code 'ſ} is a contraction too;</li>
 * <li>a run of letters, optionally led by one character that is not CR, LF, a letter or a number;</li>
 * <li>one number character ({@code maxDigits} for {@code \p{N}{1,3}});</li>
 * <li>an optional space, a run of "other" characters (not whitespace, letter, number), then any CR/LF;</li>
 * <li>{@code \s*[\r\n]+}: the whitespace run up to and including its last CR/LF;</li>
 * <li>{@code \s+(?!\S)}: the whitespace run, less its last character when a non-space follows;</li>
 * <li>{@code \s+}: what is left (a single whitespace character before a non-space).</li>
 * </ol>
 * A regex engine would take the same time on ordinary text but can go quadratic on some hostile inputs; this
 * matcher looks at each character a bounded number of times.
 */
final class QwenPreTokenizer implements PreTokenizer {
    /** The pattern of Qwen2/Qwen2.5/Qwen3 (digits one by one). */
    static final String QWEN_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** The pattern of Llama 3 (up to three digits together). */
    static final String LLAMA3_PATTERN =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final int L = UnicodeClasses.LETTER;
    private static final int N = UnicodeClasses.NUMBER;
    private static final int S = UnicodeClasses.SPACE;
    private static final int NL = UnicodeClasses.CRLF;

    private final int maxDigits;

    QwenPreTokenizer(int maxDigits) {
        this.maxDigits = maxDigits;
    }

    /** The matcher for a known pattern, or null. */
    static QwenPreTokenizer forPattern(String regex) {
        if (QWEN_PATTERN.equals(regex)) {
            return new QwenPreTokenizer(1);
        }
        if (LLAMA3_PATTERN.equals(regex)) {
            return new QwenPreTokenizer(3);
        }
        return null;
    }

    @Override
    public void split(String s, int start, int end, Sink out) {
        int i = start;
        while (i < end) {
            int j = matchAt(s, i, end);
            out.piece(s, i, j);
            i = j;
        }
    }

    private static int cls(int cp) {
        return UnicodeClasses.of(cp);
    }

    /** End of the match that starts at {@code i} (always > i). */
    private int matchAt(String s, int i, int end) {
        int c = s.codePointAt(i);
        int len = Character.charCount(c);
        // 1. contractions
        if (c == '\'' && i + 1 < end) {
            int k = contraction(s, i + 1, end);
            if (k > 0) {
                return i + 1 + k;
            }
        }
        int cc = cls(c);
        // 2. [^\r\n\p{L}\p{N}]?\p{L}+
        if ((cc & L) != 0) {
            return letters(s, i + len, end);
        }
        if ((cc & (NL | N)) == 0 && i + len < end && (cls(s.codePointAt(i + len)) & L) != 0) {
            return letters(s, i + len, end);
        }
        // 3. \p{N} or \p{N}{1,3}
        if ((cc & N) != 0) {
            int j = i + len;
            for (int k = 1; k < maxDigits && j < end; k++) {
                int d = s.codePointAt(j);
                if ((cls(d) & N) == 0) {
                    break;
                }
                j += Character.charCount(d);
            }
            return j;
        }
        // 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*'
        int j = -1;
        if ((cc & (S | L | N)) == 0) {
            j = i + len;
        } else if (c == ' ' && i + 1 < end && (cls(s.codePointAt(i + 1)) & (S | L | N)) == 0) {
            int d = s.codePointAt(i + 1);
            j = i + 1 + Character.charCount(d);
        }
        if (j >= 0) {
            while (j < end) {
                int d = s.codePointAt(j);
                if ((cls(d) & (S | L | N)) != 0) {
                    break;
                }
                j += Character.charCount(d);
            }
            while (j < end && (s.charAt(j) == '\r' || s.charAt(j) == '\n')) {
                j++;
            }
            return j;
        }
        // c is whitespace (all White_Space characters are in the BMP). Find the run and its last CR/LF.
        int runEnd = i;
        int lastNl = -1;
        while (runEnd < end) {
            char d = s.charAt(runEnd);
            int dc = cls(d);
            if ((dc & S) == 0 || Character.isSurrogate(d)) {
                break;
            }
            if ((dc & NL) != 0) {
                lastNl = runEnd;
            }
            runEnd++;
        }
        // 5. \s*[\r\n]+
        if (lastNl >= 0) {
            return lastNl + 1;
        }
        // 6. \s+(?!\S)
        if (runEnd == end) {
            return runEnd;
        }
        if (runEnd - i >= 2) {
            return runEnd - 1;
        }
        // 7. \s+
        return runEnd;
    }

    private static int letters(String s, int j, int end) {
        while (j < end) {
            int d = s.codePointAt(j);
            if ((cls(d) & L) == 0) {
                break;
            }
            j += Character.charCount(d);
        }
        return j;
    }

    /** Length of the contraction suffix at {@code p} (after the apostrophe), or 0. */
    private static int contraction(String s, int p, int end) {
        char a = lower(s.charAt(p));
        if (a == 's' || a == 't' || a == 'm' || a == 'd' || a == '\u017F') {
            return 1;
        }
        if (p + 1 < end) {
            char b = lower(s.charAt(p + 1));
            if ((a == 'r' || a == 'v') && b == 'e' || a == 'l' && b == 'l') {
                return 2;
            }
        }
        return 0;
    }

    private static char lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c + 32) : c;
    }
}
