package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.text.Normalizer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** NFC/NFD with Unicode 9.0 data. */
class CanonicalNormalizerTest {
    private static final CanonicalNormalizer N = CanonicalNormalizer.unicode9();

    /**
     * Normalization is stable across Unicode versions for characters assigned in both, so on text made only of
     * characters older than 9.0 the JDK's (Unicode 16) normalizer is an independent oracle.
     */
    @Test
    void agreesWithTheJdkOnCharactersOfUnicode9() {
        Random rnd = new Random(21);
        for (int i = 0; i < 20000; i++) {
            String s = TestStrings.fromPools(rnd, 12);
            assertEquals(Normalizer.normalize(s, Normalizer.Form.NFC), N.nfc(s), () -> RoundTripPropertyTest.codePoints(s));
            assertEquals(Normalizer.normalize(s, Normalizer.Form.NFD), N.nfd(s), () -> RoundTripPropertyTest.codePoints(s));
        }
    }

    @Test
    void charactersAddedAfterUnicode9AreLeftAlone() {
        // U+09FE (Unicode 10, ccc 230) blocks nothing in 9.0: no reordering, no composition with the dot below
        assertEquals("a\u09FE\u0323", N.nfc("a\u09FE\u0323"));
        // U+1DF5 (Unicode 8) is known: reordered and composed
        assertEquals("\u1EA1\u1DF5", N.nfc("a\u1DF5\u0323"));
        // Unicode 13 composition U+11935 U+11930 -> U+11938 does not exist in 9.0
        assertEquals("\uD806\uDD35\uD806\uDD30", N.nfc("\uD806\uDD35\uD806\uDD30"));
    }

    @Test
    void hangulAndExclusions() {
        assertEquals("\uAC00", N.nfc("\u1100\u1161"));
        assertEquals("\uAC01", N.nfc("\u1100\u1161\u11A8"));
        // U+11A7 is not a trailing consonant: no composition
        assertEquals("\uAC00\u11A7", N.nfc("\u1100\u1161\u11A7"));
        assertEquals("\u0915\u093C", N.nfc("\u0958"));
        assertEquals("\u00C5", N.nfc("\u212B"));
        assertEquals("\u0308\u0301", N.nfc("\u0344"));
    }

    @Test
    void normalizedTextIsReturnedAsIs() {
        String s = "ASCII, 中文, 한국어 and é precomposed";
        assertEquals(true, s == N.nfc(s));
    }
}
