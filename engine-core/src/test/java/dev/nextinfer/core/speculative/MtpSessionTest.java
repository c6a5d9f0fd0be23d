package dev.nextinfer.core.speculative;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationResult;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Session;
import dev.nextinfer.core.testing.TextModels;
import dev.nextinfer.tools.synth.CycleCheckpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Speculative decoding through the generation API: same tokens as plain greedy, consistent session state. */
class MtpSessionTest {
    @TempDir
    static Path dir;

    private static final int[] PROMPT = {151644, 872, 198, 9707, 11, 1879, 0, 151645, 198, 151644, 77091, 198};

    private static GenerationConfig greedy(int k, int n) {
        return GenerationConfig.builder().maxTokens(n).mtpDraftTokens(k).stopTokenIds(Set.of()).build();
    }

    @ParameterizedTest(name = "k={0}")
    @ValueSource(ints = {1, 2, 3, 4})
    void greedyWithMtpEqualsPlainGreedyAcrossTurns(int k) {
        try (Qwen3Next q = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            Session plain = q.newSession();
            Session spec = q.newSession();
            GenerationResult a = plain.generate(PROMPT, greedy(0, 24), null);
            GenerationResult b = spec.generate(PROMPT, greedy(k, 24), null);
            assertArrayEquals(a.tokenIds(), b.tokenIds());
            assertTrue(b.usage().draftedTokens() > 0, "drafts were made");
            // a second turn on the same sessions continues from what each state holds
            int[] turn2 = concat(PROMPT, a.tokenIds(), new int[] {151645, 198, 151644, 872, 198, 14990});
            GenerationResult a2 = plain.generate(turn2, greedy(0, 16), null);
            GenerationResult b2 = spec.generate(turn2, greedy(k, 16), null);
            assertArrayEquals(a2.tokenIds(), b2.tokenIds());
            assertTrue(b2.usage().cachedPromptTokens() > 0, "prefix reused with MTP inputs");
        }
    }

    /** With drafts that always agree, a stop token in the middle of an accepted round ends the text there. */
    @Test
    void stopInsideAnAcceptedRoundKeepsTheSessionConsistent() throws IOException {
        Path ckpt = copy(TextModels.small(), dir.resolve("cycle"));
        CycleCheckpoint.rewrite(ckpt, 30.0, 5);
        try (Qwen3Next q = Qwen3Next.load(ckpt, LoadOptions.builder().threads(2).build())) {
            int vocab = q.config().vocabSize();
            int[] prompt = {100, 101, 102};
            int stop = CycleCheckpoint.next(CycleCheckpoint.next(CycleCheckpoint.next(102, vocab), vocab), vocab); // 3rd token
            GenerationConfig cfg = GenerationConfig.builder().maxTokens(20).mtpDraftTokens(4).stopTokenIds(Set.of(stop)).build();
            Session spec = q.newSession();
            GenerationResult r = spec.generate(prompt, cfg, null);
            assertEquals(FinishReason.STOP, r.finishReason());
            assertArrayEquals(new int[] {103, 104, stop}, r.tokenIds());
            assertTrue(r.usage().acceptedTokens() > 0, "drafts accepted on the cycle checkpoint");
            // the state went past the stop token; the session knows, and a continuation equals a fresh run
            int[] next = concat(prompt, r.tokenIds(), new int[] {stop + 1});
            GenerationConfig more = GenerationConfig.builder().maxTokens(6).mtpDraftTokens(4).stopTokenIds(Set.of()).build();
            GenerationResult continued = spec.generate(next, more, null);
            GenerationResult fresh = q.newSession().generate(next, more.toBuilder().mtpDraftTokens(0).build(), null);
            assertArrayEquals(fresh.tokenIds(), continued.tokenIds());
        }
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) {
            n += p.length;
        }
        int[] out = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    private static Path copy(Path src, Path dst) throws IOException {
        Files.createDirectories(dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        return dst;
    }
}
