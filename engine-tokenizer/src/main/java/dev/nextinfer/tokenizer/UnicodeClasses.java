package dev.nextinfer.tokenizer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The character classes of the pre-tokenizer regex as Oniguruma (the regex engine of the Rust library) defines
 * them: {@code \p{L}} (general category L*), {@code \p{N}} (N*) from Unicode 16.0 tables pinned in
 * {@code unicode/unicode-classes.txt} (the version of the Oniguruma snapshot that tokenizers 0.22 bundles, as
 * far as its release history tells; see docs/tokenizer.md), and {@code \s} = the White_Space property (which
 * includes U+0085 and U+3000 but not U+180E or U+200B).
 */
final class UnicodeClasses {
    static final int LETTER = 1;
    static final int NUMBER = 2;
    static final int SPACE = 4;
    /** {@code \r} or {@code \n} (also SPACE). */
    static final int CRLF = 8;

    private static final byte[] BMP = new byte[0x10000];
    private static final int[] SUPP_LETTER;
    private static final int[] SUPP_NUMBER;

    static {
        IntList supL = new IntList();
        IntList supN = new IntList();
        try (InputStream in = UnicodeClasses.class.getResourceAsStream("unicode/unicode-classes.txt")) {
            if (in == null) {
                throw new IllegalStateException("missing resource unicode/unicode-classes.txt");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isEmpty() || line.charAt(0) == '#') {
                    continue;
                }
                String[] f = line.split(" ");
                int flag = f[0].equals("L") ? LETTER : NUMBER;
                int lo = Integer.parseInt(f[1], 16);
                int hi = Integer.parseInt(f[2], 16);
                for (int cp = lo; cp <= Math.min(hi, 0xFFFF); cp++) {
                    BMP[cp] |= (byte) flag;
                }
                if (hi > 0xFFFF) {
                    IntList l = flag == LETTER ? supL : supN;
                    l.add(Math.max(lo, 0x10000));
                    l.add(hi);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        SUPP_LETTER = supL.toArray();
        SUPP_NUMBER = supN.toArray();
        int[] whiteSpace = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
            0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000};
        for (int cp : whiteSpace) {
            BMP[cp] |= SPACE;
        }
        BMP['\r'] |= CRLF;
        BMP['\n'] |= CRLF;
    }

    private UnicodeClasses() {
    }

    /** The class bits of a code point (0 for "anything else"). */
    static int of(int cp) {
        if (cp < 0x10000) {
            return BMP[cp];
        }
        if (inRanges(SUPP_LETTER, cp)) {
            return LETTER;
        }
        return inRanges(SUPP_NUMBER, cp) ? NUMBER : 0;
    }

    private static boolean inRanges(int[] ranges, int cp) {
        // ranges = lo0, hi0, lo1, hi1, ... sorted; find the last lo <= cp
        int lo = 0;
        int hi = ranges.length / 2 - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (ranges[2 * mid] <= cp) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return hi >= 0 && cp <= ranges[2 * hi + 1];
    }
}
