package dev.nextinfer.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * NFC and NFD with the Unicode 9.0 tables that the Rust library's normalizer
 * ({@code unicode-normalization-alignments}) uses. {@code java.text.Normalizer} is Unicode 16: it reorders marks
 * and composes characters that 9.0 did not know, so it differs from Rust on text with such characters (a
 * character unassigned in 9.0 has combining class 0 and no mappings here).
 *
 * <p>Speed: a code point that is a starter, never combines with what precedes it and is unchanged by NFC is a
 * "safe" boundary; text made only of those is returned as is, and otherwise only the segments from the last safe
 * code point to the next are run through the full algorithm (decompose, canonical order, compose).
 */
final class CanonicalNormalizer {
    private static final int S_BASE = 0xAC00;
    private static final int L_BASE = 0x1100;
    private static final int V_BASE = 0x1161;
    private static final int T_BASE = 0x11A7;
    private static final int L_COUNT = 19;
    private static final int V_COUNT = 21;
    private static final int T_COUNT = 28;
    private static final int N_COUNT = V_COUNT * T_COUNT;
    private static final int S_COUNT = L_COUNT * N_COUNT;

    private final byte[][] cccPages = new byte[0x1100][];
    private final Map<Integer, int[]> decompositions = new HashMap<>();
    private final Map<Long, Integer> compositions = new HashMap<>();
    private final long[] unsafeNfcBmp = new long[1024];
    private final long[] unsafeNfdBmp = new long[1024];
    private final Set<Integer> unsafeNfcSupp = new HashSet<>();
    private final Set<Integer> unsafeNfdSupp = new HashSet<>();

    private static final class Holder {
        static final CanonicalNormalizer UNICODE_9 = new CanonicalNormalizer("unicode/nfc-unicode9.txt");
    }

    /** The normalizer with Unicode 9.0 data (loaded once). */
    static CanonicalNormalizer unicode9() {
        return Holder.UNICODE_9;
    }

    private CanonicalNormalizer(String resource) {
        Map<Integer, int[]> oneLevel = new HashMap<>();
        Set<Integer> excluded = new HashSet<>();
        try (InputStream in = CanonicalNormalizer.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.charAt(0) == '#') {
                    continue;
                }
                String[] f = line.split(" ");
                int cp = Integer.parseInt(f[1], 16);
                switch (f[0]) {
                    case "C" -> {
                        byte[] page = cccPages[cp >> 8];
                        if (page == null) {
                            page = cccPages[cp >> 8] = new byte[256];
                        }
                        page[cp & 0xFF] = (byte) Integer.parseInt(f[2]);
                    }
                    case "D" -> {
                        int[] d = new int[f.length - 2];
                        for (int i = 0; i < d.length; i++) {
                            d[i] = Integer.parseInt(f[i + 2], 16);
                        }
                        oneLevel.put(cp, d);
                    }
                    case "X" -> excluded.add(cp);
                    default -> throw new IllegalStateException("bad line in " + resource + ": " + line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Set<Integer> combinesBackward = new HashSet<>();
        for (Map.Entry<Integer, int[]> e : oneLevel.entrySet()) {
            decompositions.put(e.getKey(), fullyDecompose(e.getKey(), oneLevel));
            int[] d = e.getValue();
            if (d.length == 2 && !excluded.contains(e.getKey())) {
                compositions.put(pairKey(d[0], d[1]), e.getKey());
                combinesBackward.add(d[1]);
            }
        }
        for (int v = V_BASE; v < V_BASE + V_COUNT; v++) {
            combinesBackward.add(v);
        }
        for (int t = T_BASE + 1; t < T_BASE + T_COUNT; t++) {
            combinesBackward.add(t);
        }
        Set<Integer> candidates = new TreeSet<>(oneLevel.keySet());
        candidates.addAll(combinesBackward);
        for (int page = 0; page < cccPages.length; page++) {
            if (cccPages[page] != null) {
                for (int i = 0; i < 256; i++) {
                    if (cccPages[page][i] != 0) {
                        candidates.add(page << 8 | i);
                    }
                }
            }
        }
        for (int cp : candidates) {
            boolean nfdUnsafe = ccc(cp) != 0 || decompositions.containsKey(cp);
            boolean nfcUnsafe = ccc(cp) != 0 || combinesBackward.contains(cp) || excluded.contains(cp);
            int[] d = decompositions.get(cp);
            if (d != null && (ccc(d[0]) != 0 || combinesBackward.contains(d[0]))) {
                nfcUnsafe = true;
            }
            mark(cp, nfcUnsafe, unsafeNfcBmp, unsafeNfcSupp);
            mark(cp, nfdUnsafe, unsafeNfdBmp, unsafeNfdSupp);
        }
        // Hangul syllables decompose (unsafe for NFD) but are NFC-stable starters (safe for NFC).
        for (int s = S_BASE; s < S_BASE + S_COUNT; s++) {
            unsafeNfdBmp[s >> 6] |= 1L << s;
        }
    }

    private static void mark(int cp, boolean unsafe, long[] bmp, Set<Integer> supp) {
        if (!unsafe) {
            return;
        }
        if (cp < 0x10000) {
            bmp[cp >> 6] |= 1L << cp;
        } else {
            supp.add(cp);
        }
    }

    private static int[] fullyDecompose(int cp, Map<Integer, int[]> oneLevel) {
        int[] d = oneLevel.get(cp);
        if (d == null) {
            return new int[] {cp};
        }
        IntList out = new IntList(4);
        for (int c : d) {
            out.addAll(fullyDecompose(c, oneLevel));
        }
        return out.toArray();
    }

    private static long pairKey(int a, int b) {
        return (long) a << 21 | b;
    }

    /** Canonical combining class in Unicode 9.0. */
    int ccc(int cp) {
        byte[] page = cp >> 8 < cccPages.length ? cccPages[cp >> 8] : null;
        return page == null ? 0 : page[cp & 0xFF] & 0xFF;
    }

    /** NFC of {@code s}; {@code s} itself when it is already normalized in the fast sense above. */
    String nfc(String s) {
        return normalize(s, true);
    }

    /** NFD of {@code s}. */
    String nfd(String s) {
        return normalize(s, false);
    }

    private boolean unsafe(int cp, boolean compose) {
        if (cp < 0x10000) {
            long[] bits = compose ? unsafeNfcBmp : unsafeNfdBmp;
            return (bits[cp >> 6] & 1L << cp) != 0;
        }
        return (compose ? unsafeNfcSupp : unsafeNfdSupp).contains(cp);
    }

    private String normalize(String s, boolean compose) {
        int n = s.length();
        StringBuilder out = null;
        int copied = 0;
        int lastSafe = 0;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            // Below U+00C0 nothing decomposes or combines: the common ASCII case costs one compare.
            if (c < 0xC0) {
                lastSafe = i++;
                continue;
            }
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (!unsafe(cp, compose)) {
                lastSafe = i;
                i += len;
                continue;
            }
            int segStart = Math.max(lastSafe, copied);
            int j = i + len;
            while (j < n) {
                int cj = s.codePointAt(j);
                if (!unsafe(cj, compose)) {
                    break;
                }
                j += Character.charCount(cj);
            }
            if (out == null) {
                out = new StringBuilder(n + 16);
            }
            out.append(s, copied, segStart);
            normalizeSegment(s, segStart, j, compose, out);
            copied = j;
            lastSafe = j;
            i = j;
        }
        if (out == null) {
            return s;
        }
        return out.append(s, copied, n).toString();
    }

    private void normalizeSegment(String s, int from, int to, boolean compose, StringBuilder out) {
        IntList buf = new IntList(Math.max(8, (to - from) * 2));
        for (int i = from; i < to; ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp >= S_BASE && cp < S_BASE + S_COUNT) {
                int si = cp - S_BASE;
                buf.add(L_BASE + si / N_COUNT);
                buf.add(V_BASE + si % N_COUNT / T_COUNT);
                if (si % T_COUNT != 0) {
                    buf.add(T_BASE + si % T_COUNT);
                }
                continue;
            }
            int[] d = decompositions.get(cp);
            if (d == null) {
                buf.add(cp);
            } else {
                buf.addAll(d);
            }
        }
        int[] a = buf.toArray();
        canonicalOrder(a);
        int n = compose ? compose(a) : a.length;
        for (int k = 0; k < n; k++) {
            out.appendCodePoint(a[k]);
        }
    }

    /** Stable sort of each run of non-starters by combining class (the canonical ordering algorithm). */
    private void canonicalOrder(int[] a) {
        for (int i = 1; i < a.length; i++) {
            int c = ccc(a[i]);
            if (c == 0) {
                continue;
            }
            int cp = a[i];
            int j = i - 1;
            while (j >= 0) {
                int cj = ccc(a[j]);
                if (cj == 0 || cj <= c) {
                    break;
                }
                a[j + 1] = a[j];
                j--;
            }
            a[j + 1] = cp;
        }
    }

    /** Canonical composition in place; returns the new length. */
    private int compose(int[] a) {
        int starter = -1;
        int lastClass = 0;
        int n = 0;
        for (int i = 0; i < a.length; i++) {
            int cp = a[i];
            int cc = ccc(cp);
            if (starter >= 0) {
                boolean adjacent = n - 1 == starter;
                if (adjacent || (lastClass != 0 && lastClass < cc)) {
                    int composed = composePair(a[starter], cp);
                    if (composed >= 0) {
                        a[starter] = composed;
                        continue;
                    }
                }
            }
            if (cc == 0) {
                starter = n;
            }
            lastClass = cc;
            a[n++] = cp;
        }
        return n;
    }

    private int composePair(int a, int b) {
        if (a >= L_BASE && a < L_BASE + L_COUNT && b >= V_BASE && b < V_BASE + V_COUNT) {
            return S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT;
        }
        if (a >= S_BASE && a < S_BASE + S_COUNT && (a - S_BASE) % T_COUNT == 0
                && b > T_BASE && b < T_BASE + T_COUNT) {
            return a + (b - T_BASE);
        }
        Integer c = compositions.get(pairKey(a, b));
        return c == null ? -1 : c;
    }
}
