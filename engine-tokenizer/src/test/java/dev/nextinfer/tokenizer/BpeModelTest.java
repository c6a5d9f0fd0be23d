package dev.nextinfer.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The flat-array merge loop and the heap-based one produce the same tokens. */
class BpeModelTest {
    @Test
    void smallAndLargeMergeAgree() {
        BpeModel model = Tokenizer.qwen3().model();
        Random rnd = new Random(41);
        String[] words = {"hello", " world", "\n\n\n\n\n", "          ", "!!!!!!", "aaaaaaaaaaaaaaaaaaaa", "ationalization"};
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int parts = 1 + rnd.nextInt(6);
            for (int k = 0; k < parts; k++) {
                sb.append(rnd.nextBoolean() ? words[rnd.nextInt(words.length)] : TestStrings.fromPools(rnd, 8));
            }
            byte[] bytes = Utf8.encode(sb.toString());
            int[] small = model.mergeSmall(model.initialSymbols(bytes));
            int[] large = model.mergeLarge(model.initialSymbols(bytes));
            assertArrayEquals(small, large, sb::toString);
        }
    }
}
