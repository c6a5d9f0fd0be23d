package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** decode(encode(s)) gives s back (as NFC, which is what the normalizer feeds the model) for random strings. */
class RoundTripPropertyTest {
    private static final Tokenizer TOK = Tokenizer.qwen3();

    private static String nfc(String s) {
        return CanonicalNormalizer.unicode9().nfc(s);
    }

    @Test
    void pooledStringsRoundTrip() {
        Random rnd = new Random(1);
        for (int i = 0; i < 3000; i++) {
            String s = TestStrings.fromPools(rnd, 40);
            String back = TOK.decode(TOK.encode(s), false);
            assertEquals(nfc(s), back, () -> "input " + codePoints(s));
            if (nfc(s).equals(s)) {
                assertEquals(s, back);
            }
        }
    }

    @Test
    void arbitraryScalarValuesRoundTrip() {
        Random rnd = new Random(2);
        for (int i = 0; i < 3000; i++) {
            String s = TestStrings.anyScalars(rnd, 30);
            assertEquals(nfc(s), TOK.decode(TOK.encode(s), false), () -> "input " + codePoints(s));
        }
    }

    @Test
    void addedTokensBetweenTextRoundTripAndAreNotNormalizedAcross() {
        Random rnd = new Random(3);
        String[] added = {"<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "<|endoftext|>"};
        for (int i = 0; i < 1000; i++) {
            StringBuilder in = new StringBuilder();
            StringBuilder expected = new StringBuilder();
            for (int k = rnd.nextInt(4); k >= 0; k--) {
                String piece = TestStrings.fromPools(rnd, 12);
                String tok = added[rnd.nextInt(added.length)];
                in.append(piece).append(tok);
                expected.append(nfc(piece)).append(tok);
            }
            String s = in.toString();
            assertEquals(expected.toString(), TOK.decode(TOK.encode(s), false), () -> "input " + codePoints(s));
        }
    }

    @Test
    void streamingEqualsWholeDecodeForRandomIdSequences() {
        Random rnd = new Random(4);
        for (int i = 0; i < 500; i++) {
            int[] ids = new int[rnd.nextInt(20)];
            for (int k = 0; k < ids.length; k++) {
                // mostly single-byte tokens (they split characters), some others, some specials and unknowns
                int r = rnd.nextInt(10);
                ids[k] = r < 6 ? rnd.nextInt(256) : r < 8 ? rnd.nextInt(151643) : r < 9 ? 151643 + rnd.nextInt(26)
                        : 151669 + rnd.nextInt(300);
            }
            boolean skip = rnd.nextBoolean();
            StreamingDecoder d = TOK.newStreamingDecoder(skip);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                sb.append(d.push(id));
            }
            sb.append(d.flush());
            assertEquals(TOK.decode(ids, skip), sb.toString());
        }
    }

    @Test
    void encodingIsDeterministicAcrossThreads() throws Exception {
        String[] inputs = new String[200];
        int[][] expected = new int[inputs.length][];
        Random rnd = new Random(5);
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = TestStrings.fromPools(rnd, 60);
            expected[i] = TOK.encode(inputs[i]);
        }
        Thread[] threads = new Thread[4];
        Throwable[] failure = new Throwable[1];
        for (int t = 0; t < threads.length; t++) {
            int offset = t;
            threads[t] = new Thread(() -> {
                try {
                    for (int r = 0; r < 5; r++) {
                        for (int i = 0; i < inputs.length; i++) {
                            int k = (i + offset * 37) % inputs.length;
                            assertArrayEquals(expected[k], TOK.encode(inputs[k]));
                        }
                    }
                } catch (Throwable e) {
                    failure[0] = e;
                }
            });
            threads[t].start();
        }
        for (Thread t : threads) {
            t.join();
        }
        if (failure[0] != null) {
            throw new AssertionError(failure[0]);
        }
    }

    static String codePoints(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(String.format("U+%04X ", cp)));
        return sb.toString().trim();
    }
}
