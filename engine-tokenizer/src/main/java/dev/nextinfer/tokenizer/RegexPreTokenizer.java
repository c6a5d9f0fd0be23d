package dev.nextinfer.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code Split} pre-tokenizer for patterns without a hand-written matcher, on {@code java.util.regex}
 * (Oniguruma and Java agree on leftmost-first backtracking for the usual tokenizer patterns). Oniguruma's
 * Unicode classes are mapped: {@code \s}/{@code \S} → White_Space, {@code \d}/{@code \D} → {@code \p{Nd}};
 * {@code (?i)} stays ASCII-only, as Oniguruma behaves for these patterns. Also implements the five split
 * behaviours and {@code invert}.
 */
final class RegexPreTokenizer implements PreTokenizer {
    /** How matches and the text between them become pieces (the Rust library's SplitDelimiterBehavior). */
    enum Behavior { REMOVED, ISOLATED, MERGED_WITH_PREVIOUS, MERGED_WITH_NEXT, CONTIGUOUS }

    /** GPT-2's pattern, used by the ByteLevel pre-tokenizer when {@code use_regex} is true. */
    static final String GPT2_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private final Pattern pattern;
    private final Behavior behavior;
    private final boolean invert;

    RegexPreTokenizer(Pattern pattern, Behavior behavior, boolean invert) {
        this.pattern = pattern;
        this.behavior = behavior;
        this.invert = invert;
    }

    /** Compiles an Oniguruma-syntax pattern for java.util.regex. */
    static Pattern compileOniguruma(String regex) {
        StringBuilder sb = new StringBuilder(regex.length() + 32);
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\' && i + 1 < regex.length()) {
                char n = regex.charAt(++i);
                switch (n) {
                    case 's' -> sb.append("\\p{IsWhite_Space}");
                    case 'S' -> sb.append("\\P{IsWhite_Space}");
                    case 'd' -> sb.append("\\p{Nd}");
                    case 'D' -> sb.append("\\P{Nd}");
                    default -> sb.append(c).append(n);
                }
            } else {
                sb.append(c);
            }
        }
        return Pattern.compile(sb.toString(), Pattern.UNICODE_CASE);
    }

    @Override
    public void split(String s, int start, int end, Sink out) {
        // (start, end, isMatch) triples over s[start, end)
        List<int[]> parts = new ArrayList<>();
        Matcher m = pattern.matcher(new BoundedChars(s, pattern, end - start)).region(start, end);
        int prev = start;
        while (m.find()) {
            if (m.start() > prev) {
                parts.add(new int[] {prev, m.start(), 0});
            }
            parts.add(new int[] {m.start(), m.end(), 1});
            prev = m.end();
        }
        if (prev < end) {
            parts.add(new int[] {prev, end, 0});
        }
        if (invert) {
            for (int[] p : parts) {
                p[2] ^= 1;
            }
        }
        List<int[]> pieces = new ArrayList<>();
        switch (behavior) {
            case REMOVED -> parts.stream().filter(p -> p[2] == 0).forEach(pieces::add);
            case ISOLATED -> pieces.addAll(parts);
            case MERGED_WITH_PREVIOUS -> {
                for (int[] p : parts) {
                    if (p[2] == 1 && !pieces.isEmpty() && pieces.get(pieces.size() - 1)[2] == 0) {
                        pieces.get(pieces.size() - 1)[1] = p[1];
                        pieces.get(pieces.size() - 1)[2] = 2;
                    } else {
                        pieces.add(p.clone());
                    }
                }
            }
            case MERGED_WITH_NEXT -> {
                int[] pending = null;
                for (int[] p : parts) {
                    if (p[2] == 1) {
                        if (pending != null) {
                            pieces.add(pending);
                        }
                        pending = p.clone();
                    } else if (pending != null) {
                        pieces.add(new int[] {pending[0], p[1], 2});
                        pending = null;
                    } else {
                        pieces.add(p);
                    }
                }
                if (pending != null) {
                    pieces.add(pending);
                }
            }
            case CONTIGUOUS -> {
                for (int[] p : parts) {
                    int[] last = pieces.isEmpty() ? null : pieces.get(pieces.size() - 1);
                    if (p[2] == 1 && last != null && last[2] == 1) {
                        last[1] = p[1];
                    } else {
                        pieces.add(p.clone());
                    }
                }
            }
        }
        for (int[] p : pieces) {
            if (p[1] > p[0]) {
                out.piece(s, p[0], p[1]);
            }
        }
    }

    /**
     * The text as the matcher sees it, counting the characters it reads: a pattern from a tokenizer file is code
     * from a stranger, and a backtracking one ({@code (a+)+$}) would take exponential time on some inputs. Past
     * {@link #STEPS_PER_CHAR} reads per character of the piece (plus a constant), encoding fails with a
     * {@link TokenizerException} instead of hanging. Real pre-tokenizer patterns read each character a few times.
     */
    private static final class BoundedChars implements CharSequence {
        static final long STEPS_PER_CHAR = 1_000;
        static final long STEPS_BASE = 1_000_000;
        private final String s;
        private final Pattern pattern;
        private final long budget;
        private long steps;

        BoundedChars(String s, Pattern pattern, int pieceLength) {
            this.s = s;
            this.pattern = pattern;
            this.budget = STEPS_BASE + STEPS_PER_CHAR * pieceLength;
        }

        @Override
        public char charAt(int index) {
            if (++steps > budget) {
                String p = pattern.pattern();
                throw new TokenizerException("the pre-tokenizer's Split pattern '" + (p.length() > 80 ? p.substring(0, 80) + "…" : p)
                        + "' read the text more than " + budget + " times on a piece of " + (budget - STEPS_BASE) / STEPS_PER_CHAR
                        + " characters (catastrophic backtracking); the tokenizer file's pattern cannot be used on this text");
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.subSequence(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
