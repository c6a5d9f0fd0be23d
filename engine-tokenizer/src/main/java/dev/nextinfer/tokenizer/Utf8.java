package dev.nextinfer.tokenizer;

/**
 * UTF-8 encoding and lossy decoding with the exact replacement rules of Rust's {@code String::from_utf8_lossy}:
 * one U+FFFD per maximal invalid subsequence ("maximal subpart" practice of the Unicode standard, §3.9), so an
 * incomplete sequence at the end gives one U+FFFD and a stray continuation byte gives one each.
 * {@code java.lang.String}'s decoder is not used because its replacement behaviour is not specified.
 */
final class Utf8 {
    static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** {@code s} with every lone surrogate replaced by U+FFFD (Rust strings cannot hold them); {@code s} itself if none. */
    static String replaceLoneSurrogates(String s) {
        int n = s.length();
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i += 2;
                    continue;
                }
                break;
            }
            i++;
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n).append(s, 0, i);
        while (i < n) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                sb.append(c).append(s.charAt(i + 1));
                i += 2;
            } else {
                sb.append(Character.isSurrogate(c) ? REPLACEMENT : c);
                i++;
            }
        }
        return sb.toString();
    }

    /** Number of UTF-8 bytes of {@code s[from, to)}; lone surrogates count as U+FFFD (3 bytes). */
    static int encodedLength(CharSequence s, int from, int to) {
        int len = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                len += 1;
            } else if (c < 0x800) {
                len += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                len += 4;
                i++;
            } else {
                len += 3;
            }
        }
        return len;
    }

    /** Writes the UTF-8 bytes of {@code s[from, to)} to {@code out} at {@code off}; returns the end offset. */
    static int encode(CharSequence s, int from, int to, byte[] out, int off) {
        int p = off;
        for (int i = from; i < to; i++) {
            int c = s.charAt(i);
            if (c < 0x80) {
                out[p++] = (byte) c;
                continue;
            }
            if (Character.isHighSurrogate((char) c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                c = Character.toCodePoint((char) c, s.charAt(++i));
            } else if (Character.isSurrogate((char) c)) {
                c = REPLACEMENT;
            }
            if (c < 0x800) {
                out[p++] = (byte) (0xC0 | c >> 6);
            } else if (c < 0x10000) {
                out[p++] = (byte) (0xE0 | c >> 12);
                out[p++] = (byte) (0x80 | (c >> 6 & 0x3F));
            } else {
                out[p++] = (byte) (0xF0 | c >> 18);
                out[p++] = (byte) (0x80 | (c >> 12 & 0x3F));
                out[p++] = (byte) (0x80 | (c >> 6 & 0x3F));
            }
            if (c >= 0x80) {
                out[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return p;
    }

    /** UTF-8 bytes of {@code s}. */
    static byte[] encode(CharSequence s) {
        byte[] out = new byte[encodedLength(s, 0, s.length())];
        encode(s, 0, s.length(), out, 0);
        return out;
    }

    /** Appends the lossy decoding of {@code b[off, off+len)} to {@code out}. */
    static void decodeLossy(byte[] b, int off, int len, StringBuilder out) {
        int end = off + len;
        int i = off;
        while (i < end) {
            int b0 = b[i] & 0xFF;
            if (b0 < 0x80) {
                out.append((char) b0);
                i++;
                continue;
            }
            int next = scan(b, i, end);
            if (next == Integer.MIN_VALUE) {
                out.append(REPLACEMENT);
                return;
            }
            if (next > 0) {
                int n = next - i;
                int cp = n == 2 ? (b0 & 0x1F) << 6 | (b[i + 1] & 0x3F)
                        : n == 3 ? (b0 & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F)
                        : (b0 & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6 | (b[i + 3] & 0x3F);
                out.appendCodePoint(cp);
                i = next;
            } else {
                out.append(REPLACEMENT);
                i = -next;
            }
        }
    }

    /** Lossy decoding of the whole array. */
    static String decodeLossy(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len);
        decodeLossy(b, off, len, sb);
        return sb.toString();
    }

    /**
     * Length of the longest prefix of {@code b[off, off+len)} that does not end inside a sequence that more bytes
     * could still complete: what a streaming decoder may emit now without changing the final text.
     */
    static int completePrefixLength(byte[] b, int off, int len) {
        int end = off + len;
        int i = off;
        while (i < end) {
            if ((b[i] & 0x80) == 0) {
                i++;
                continue;
            }
            int next = scan(b, i, end);
            if (next == Integer.MIN_VALUE) {
                return i - off;
            }
            i = next > 0 ? next : -next;
        }
        return len;
    }

    /**
     * Scans one non-ASCII sequence starting at {@code i}: returns its end when valid, {@code -(end of the maximal
     * invalid subpart)} when invalid, or {@link Integer#MIN_VALUE} when it is a valid but incomplete prefix cut by
     * {@code end} (decodeLossy treats that as one invalid subpart reaching {@code end}).
     */
    private static int scan(byte[] b, int i, int end) {
        int b0 = b[i] & 0xFF;
        int need;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            need = 1;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            need = 2;
            if (b0 == 0xE0) {
                lo = 0xA0;
            } else if (b0 == 0xED) {
                hi = 0x9F;
            }
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            need = 3;
            if (b0 == 0xF0) {
                lo = 0x90;
            } else if (b0 == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return -(i + 1);
        }
        int j = i + 1;
        for (int k = 0; k < need; k++, j++) {
            if (j >= end) {
                return Integer.MIN_VALUE;
            }
            int c = b[j] & 0xFF;
            if (k == 0 ? c < lo || c > hi : c < 0x80 || c > 0xBF) {
                return -j;
            }
        }
        return j;
    }
}
