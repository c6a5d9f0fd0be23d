package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Lossy UTF-8 decoding with Rust's from_utf8_lossy replacement rule, and the streaming split point. */
class Utf8Test {
    private static byte[] bytes(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = (byte) v[i];
        }
        return b;
    }

    private static String lossy(int... v) {
        byte[] b = bytes(v);
        return Utf8.decodeLossy(b, 0, b.length);
    }

    @Test
    void maximalSubpartsBecomeOneReplacementEach() {
        // Unicode standard, table 3-8: 61 F1 80 80 E1 80 C2 62 80 63 80 BF 64
        assertEquals("a\uFFFD\uFFFD\uFFFDb\uFFFDc\uFFFD\uFFFDd",
                lossy(0x61, 0xF1, 0x80, 0x80, 0xE1, 0x80, 0xC2, 0x62, 0x80, 0x63, 0x80, 0xBF, 0x64));
        assertEquals("\uFFFD\uFFFD", lossy(0xC0, 0x80));
        assertEquals("\uFFFD\uFFFD\uFFFD", lossy(0xED, 0xA0, 0x80));
        assertEquals("\uFFFD\uFFFD\uFFFD\uFFFD", lossy(0xF4, 0x90, 0x80, 0x80));
        assertEquals("\uFFFDa", lossy(0xF0, 0x9F, 0x98, 0x61));
        assertEquals("\uFFFD", lossy(0xE4, 0xB8));
        assertEquals("😀", lossy(0xF0, 0x9F, 0x98, 0x80));
    }

    /** Random byte strings decoded by Python's {@code decode("utf-8", "replace")} (tools/gen_utf8_cases.py). */
    @Test
    void agreesWithPythonOnRandomBytes() throws Exception {
        try (var in = Utf8Test.class.getResourceAsStream("/utf8/lossy-cases.json")) {
            var cases = Goldens.JSON.readTree(in);
            assertEquals(3000, cases.size());
            for (var c : cases) {
                byte[] b = java.util.HexFormat.of().parseHex(c.get("hex").asText());
                assertEquals(c.get("text").asText(), Utf8.decodeLossy(b, 0, b.length), c.get("hex").asText());
            }
        }
    }

    @Test
    void completePrefixHoldsBackOnlyAnUnfinishedCharacter() {
        byte[] b = bytes(0x61, 0xE4, 0xB8);
        assertEquals(1, Utf8.completePrefixLength(b, 0, b.length));
        b = bytes(0x61, 0xE4, 0xB8, 0xAD);
        assertEquals(4, Utf8.completePrefixLength(b, 0, b.length));
        b = bytes(0x61, 0xE4, 0x41);        // invalid, not unfinished: emit now
        assertEquals(3, Utf8.completePrefixLength(b, 0, b.length));
        b = bytes(0xF0, 0x9F, 0x98);
        assertEquals(0, Utf8.completePrefixLength(b, 0, b.length));
    }

    @Test
    void encodeReplacesLoneSurrogates() {
        assertEquals("a\uFFFDb", new String(Utf8.encode("a\uD800b"), StandardCharsets.UTF_8));
        assertEquals("😀", new String(Utf8.encode("😀"), StandardCharsets.UTF_8));
    }
}
