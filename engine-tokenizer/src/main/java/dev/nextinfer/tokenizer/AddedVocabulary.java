package dev.nextinfer.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

/**
 * The added tokens ({@code <|im_start|>}, {@code <think>}, …) and how the input is cut at them, following the
 * Rust library's {@code AddedVocabulary}: all added tokens, special or not, are matched; the raw input is cut
 * at the non-normalized ones (leftmost match, longest at that position), then each remaining piece is
 * normalized and cut at the normalized ones. {@code single_word}, {@code lstrip} and {@code rstrip} are honoured.
 */
final class AddedVocabulary {
    /** Receives the pieces of a cut: added tokens and the text between them. */
    interface Sink {
        /** An added token matched in the input. */
        void token(AddedToken token);

        /** Text {@code [start, end)} of the input that is not an added token (never empty). */
        void text(String input, int start, int end);
    }

    private final List<AddedToken> tokens;
    private final Map<String, AddedToken> byContent = new HashMap<>();
    private final Map<Integer, AddedToken> byId = new HashMap<>();
    private final Trie rawTrie = new Trie();
    private final Trie normalizedTrie = new Trie();

    private AddedVocabulary(List<AddedToken> tokens, UnaryOperator<String> normalizer) {
        this.tokens = List.copyOf(tokens);
        for (AddedToken t : tokens) {
            byContent.put(t.content(), t);
            byId.put(t.id(), t);
            if (t.normalized()) {
                normalizedTrie.add(normalizer.apply(t.content()), t);
            } else {
                rawTrie.add(t.content(), t);
            }
        }
    }

    /**
     * A token of {@code tokenizer.json} before it has its final id (the id written in the file is not used: the
     * Rust library recomputes it, and only warns when they differ).
     */
    record Spec(String content, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                boolean normalized) {
    }

    /**
     * Assigns ids the way the Rust library does when it loads {@code tokenizer.json}: a token whose content is
     * in the model's vocabulary takes that id; otherwise the next id after the largest added id so far (or the
     * model's vocabulary size for the first one). Duplicates and empty contents are ignored. For well-formed
     * files this gives the ids written in the file.
     */
    static AddedVocabulary build(List<Spec> specs, ToIntFunction<String> modelId, int modelVocabSize,
                                 UnaryOperator<String> normalizer) {
        Map<String, AddedToken> seen = new LinkedHashMap<>();
        int maxAdded = -1;
        for (Spec s : specs) {
            if (s.content().isEmpty() || seen.containsKey(s.content())) {
                continue;
            }
            int id = modelId.applyAsInt(s.content());
            if (id < 0) {
                id = maxAdded < 0 ? modelVocabSize : (maxAdded >= modelVocabSize ? maxAdded + 1 : modelVocabSize);
            }
            maxAdded = Math.max(maxAdded, id);
            seen.put(s.content(), new AddedToken(id, s.content(), s.special(), s.singleWord(), s.lstrip(),
                    s.rstrip(), s.normalized()));
        }
        return new AddedVocabulary(new ArrayList<>(seen.values()), normalizer);
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    AddedToken byContent(String content) {
        return byContent.get(content);
    }

    AddedToken byId(int id) {
        return byId.get(id);
    }

    /** Cuts the raw input at the non-normalized added tokens. */
    void splitRaw(String input, Sink sink) {
        split(input, rawTrie, sink);
    }

    /** Cuts an already normalized piece at the normalized added tokens. */
    void splitNormalized(String input, Sink sink) {
        split(input, normalizedTrie, sink);
    }

    boolean hasNormalizedTokens() {
        return !normalizedTrie.isEmpty();
    }

    private static void split(String s, Trie trie, Sink sink) {
        int n = s.length();
        if (trie.isEmpty()) {
            if (n > 0) {
                sink.text(s, 0, n);
            }
            return;
        }
        int startOffset = 0;
        int i = 0;
        while (i < n) {
            Trie.Match m = trie.longestMatch(s, i);
            if (m == null) {
                i++;
                continue;
            }
            // Like the Rust library's non-overlapping match iterator, the search resumes after the match even
            // when the match is then rejected (single_word) or widened (rstrip).
            i = m.end();
            AddedToken t = m.token();
            int start = m.start();
            int stop = m.end();
            if (t.singleWord()) {
                boolean startOk = start == 0 || !isWordChar(s.codePointBefore(start));
                boolean stopOk = stop == n || !isWordChar(s.codePointAt(stop));
                if (!startOk || !stopOk) {
                    continue;
                }
            }
            if (t.lstrip()) {
                int ns = start;
                while (ns > 0 && isUnicodeSpace(s.codePointBefore(ns))) {
                    ns -= Character.charCount(s.codePointBefore(ns));
                }
                start = Math.max(ns, startOffset);
            }
            if (t.rstrip()) {
                while (stop < n && isUnicodeSpace(s.codePointAt(stop))) {
                    stop += Character.charCount(s.codePointAt(stop));
                }
            }
            if (startOffset < start) {
                sink.text(s, startOffset, start);
            }
            sink.token(t);
            startOffset = stop;
        }
        if (startOffset < n) {
            sink.text(s, startOffset, n);
        }
    }

    /** Rust's {@code char::is_whitespace}: the White_Space property. */
    private static boolean isUnicodeSpace(int cp) {
        return (UnicodeClasses.of(cp) & UnicodeClasses.SPACE) != 0;
    }

    /** Rust's {@code char::is_alphanumeric() || c == '_'}. */
    private static boolean isWordChar(int cp) {
        if (cp == '_' || Character.isAlphabetic(cp)) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.DECIMAL_DIGIT_NUMBER || t == Character.LETTER_NUMBER || t == Character.OTHER_NUMBER;
    }

    /** A character trie for leftmost-longest matching (few, short patterns: no Aho-Corasick automaton needed). */
    private static final class Trie {
        private final Node root = new Node();
        private final long[] firstBmp = new long[1024];
        private boolean firstSupplementary;
        private boolean empty = true;
        /** A match of {@code token} at {@code [start, end)}. */
        record Match(int start, int end, AddedToken token) {
        }

        private static final class Node {
            final Map<Character, Node> next = new HashMap<>(4);
            AddedToken token;
        }

        void add(String pattern, AddedToken token) {
            if (pattern.isEmpty()) {
                return;
            }
            Node n = root;
            for (int i = 0; i < pattern.length(); i++) {
                n = n.next.computeIfAbsent(pattern.charAt(i), k -> new Node());
            }
            if (n.token == null) {
                n.token = token;
            }
            char c = pattern.charAt(0);
            if (Character.isSurrogate(c)) {
                firstSupplementary = true;
            }
            firstBmp[c >> 6] |= 1L << c;
            empty = false;
        }

        boolean isEmpty() {
            return empty;
        }

        /** The longest pattern starting at {@code i}, or null. */
        Match longestMatch(String s, int i) {
            char c = s.charAt(i);
            if ((firstBmp[c >> 6] & 1L << c) == 0 && !(firstSupplementary && Character.isSurrogate(c))) {
                return null;
            }
            Node n = root;
            Match best = null;
            for (int j = i; j < s.length(); j++) {
                n = n.next.get(s.charAt(j));
                if (n == null) {
                    break;
                }
                if (n.token != null) {
                    best = new Match(i, j + 1, n.token);
                }
            }
            return best;
        }
    }
}
