package dev.nextinfer.tokenizer;

import java.util.Random;

/** Random strings for property tests, drawn from pools that exercise every part of the pipeline. */
final class TestStrings {
    /** Characters assigned in Unicode 9.0 or earlier (so the JDK's NFC must agree with the Rust one on them). */
    static final int[][] OLD_POOLS = {
        range(0x20, 0x7E),                                   // ASCII
        {' ', ' ', ' ', '\t', '\n', '\n', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2000, 0x2028, 0x2029, 0x3000, 0x180E, 0x200B},
        {'\'', '\'', 's', 't', 'r', 'e', 'v', 'l', 'm', 'd', 'S', 'L', 0x017F, 0x2019},
        range(0xC0, 0x17F),                                  // Latin-1 / Extended-A (precomposed)
        range(0x300, 0x36F),                                 // combining diacritics
        {0x0323, 0x0301, 0x0308, 0x05B8, 0x05BC, 0x093C, 0x0958, 0x212B, 0x2126, 0x0344, 0x1DF5},
        range(0x1100, 0x1112), range(0x1161, 0x1175), range(0x11A7, 0x11C2), // Hangul jamo (incl. T_BASE)
        range(0xAC00, 0xAC40), range(0x4E00, 0x4E80),         // Hangul syllables, CJK
        range(0x0900, 0x097F), range(0x0E00, 0x0E5B),         // Devanagari, Thai
        range(0x0660, 0x0669), range(0xFF10, 0xFF19), {0x00B2, 0x2155, 0x216B}, // numbers (Nd, No, Nl)
        range(0x1F600, 0x1F64F), {0x1F3FD, 0x200D, 0xFE0F}, // emoji, skin tone, ZWJ, VS16
        {'<', '|', '>', '_', '/', '{', '}', '"', ':', ',', '.', '!', '?', '(', ')', '#', '$', '%', '&', '*'},
    };

    private TestStrings() {
    }

    static int[] range(int lo, int hi) {
        int[] r = new int[hi - lo + 1];
        for (int i = 0; i < r.length; i++) {
            r[i] = lo + i;
        }
        return r;
    }

    /** A string of up to {@code maxLen} code points from the pools. */
    static String fromPools(Random rnd, int maxLen) {
        StringBuilder sb = new StringBuilder();
        int len = rnd.nextInt(maxLen + 1);
        for (int i = 0; i < len; i++) {
            int[] pool = OLD_POOLS[rnd.nextInt(OLD_POOLS.length)];
            sb.appendCodePoint(pool[rnd.nextInt(pool.length)]);
        }
        return sb.toString();
    }

    /** A string of any Unicode scalar values (assigned or not, no surrogates). */
    static String anyScalars(Random rnd, int maxLen) {
        StringBuilder sb = new StringBuilder();
        int len = rnd.nextInt(maxLen + 1);
        for (int i = 0; i < len; i++) {
            int cp;
            do {
                cp = rnd.nextInt(4) == 0 ? rnd.nextInt(0x110000) : rnd.nextInt(0x3000);
            } while (cp >= 0xD800 && cp <= 0xDFFF);
            sb.appendCodePoint(cp);
        }
        return sb.toString();
    }
}
