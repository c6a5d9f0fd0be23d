package dev.nextinfer.tokenizer;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes the Qwen3 tokenizer's encode and decode on arbitrary strings and ids: encode never fails and
 * {@code decode(encode(s))} is canonically equivalent to {@code s} (lone surrogates become U+FFFD; text between added
 * tokens is NFC-normalised); decode never fails, and streaming decode equals whole decode.
 */
class TokenizerFuzzTest {
    private static final Tokenizer TOK = Tokenizer.qwen3();
    private static final CanonicalNormalizer NFC = CanonicalNormalizer.unicode9();

    /** Seeds: strings from the golden set's pools (multilingual text, emoji, whitespace runs, special tokens). */
    static java.util.stream.Stream<byte[]> textSeeds() {
        java.util.Random rnd = new java.util.Random(11);
        java.util.List<byte[]> out = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            out.add(seed(TestStrings.fromPools(rnd, 40), i % 2 == 1));
        }
        out.add(seed("<|im_start|>user\nHi<|im_end|>\n<think>\n</think>  \t\n\n😀 ", false));
        out.add(seed("lone \uD800 surrogate \uDC00<|endoftext|>", true));
        return out.stream();
    }

    /** The input encoding of {@link #text}: a flag byte, then UTF-8, or raw UTF-16 code units. */
    private static byte[] seed(String s, boolean utf16) {
        byte[] body = s.getBytes(utf16 ? java.nio.charset.StandardCharsets.UTF_16LE : java.nio.charset.StandardCharsets.UTF_8);
        byte[] out = new byte[body.length + 1];
        out[0] = (byte) (utf16 ? 1 : 0);
        System.arraycopy(body, 0, out, 1, body.length);
        return out;
    }

    /**
     * The string an input stands for: after a flag byte, UTF-8 (most inputs: text the fuzzer's dictionary and
     * comparisons can steer), or raw UTF-16 code units (any Java string, lone surrogates included).
     */
    private static String text(byte[] data) {
        if (data.length == 0) {
            return "";
        }
        if ((data[0] & 1) == 0) {
            return new String(data, 1, data.length - 1, java.nio.charset.StandardCharsets.UTF_8);
        }
        char[] c = new char[(data.length - 1) / 2];
        for (int i = 0; i < c.length; i++) {
            c[i] = (char) ((data[1 + 2 * i] & 0xFF) | (data[2 + 2 * i] & 0xFF) << 8);
        }
        return new String(c);
    }

    @org.junit.jupiter.params.provider.MethodSource("textSeeds")
    @FuzzTest
    void encodeDecode(byte[] data) {
        String s = text(data);
        int[] ids = TOK.encode(s);
        String back = TOK.decode(ids, false);
        String want = NFC.nfc(Utf8.replaceLoneSurrogates(s));
        if (!NFC.nfc(back).equals(want)) {
            throw new AssertionError("decode(encode(s)) differs from s: " + RoundTripPropertyTest.codePoints(s));
        }
    }

    @FuzzTest
    void decodeIds(FuzzedDataProvider data) {
        boolean skip = data.consumeBoolean();
        int n = data.consumeInt(0, 64);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = data.consumeBoolean() ? data.consumeInt(0, TOK.vocabSize() + 8) : data.consumeInt();
        }
        String whole = TOK.decode(ids, skip);
        StreamingDecoder d = TOK.newStreamingDecoder(skip);
        StringBuilder sb = new StringBuilder();
        for (int id : ids) {
            sb.append(d.push(id));
        }
        sb.append(d.flush());
        if (!sb.toString().equals(whole)) {
            throw new AssertionError("streaming decode differs from decode");
        }
    }
}
