package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.Compare;
import dev.nextinfer.core.testing.TextModels;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A session continues from the state of the longest usable common prefix: results equal a fresh run of the full
 * prompt (same greedy tokens, logits within float rounding), and only the new tokens are computed.
 */
class PrefixReuseTest {
    private static Qwen3Next model;
    private static Tokenizer tok;
    private static final GenerationConfig GREEDY = GenerationConfig.builder().maxTokens(8).build();

    @BeforeAll
    static void load() {
        model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build());
        tok = model.tokenizer();
    }

    @AfterAll
    static void close() {
        model.close();
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

    /** Runs {@code prompt} on a fresh session and checks the reused run gave the same tokens and logits. */
    private static void assertSameAsFresh(int[] prompt, Session reused, GenerationResult got) {
        Session fresh = model.newSession();
        GenerationResult want = LogitsSpy.generate(fresh, prompt, GREEDY);
        assertArrayEquals(want.tokenIds(), got.tokenIds());
        double d = Compare.maxAbsDiff(LogitsSpy.lastPromptLogits(reused), 0, LogitsSpy.lastPromptLogits(fresh), 0, LogitsSpy.lastPromptLogits(fresh).length);
        assertTrue(d <= 1e-3, "max |Δlogit| vs a fresh run = " + d);
    }

    @Test
    void continuesTheLiveStateRestoresSnapshotsAndReusesExactPrompts() {
        Session s = model.newSession();
        int[] a = tok.encode("In a gated delta network, each head keeps a matrix memory that is decayed and corrected.");
        GenerationResult ra = LogitsSpy.generate(s, a, GREEDY);
        assertEquals(a.length + 7, s.computedTokens()); // prompt + 7 of the 8 tokens fed back
        assertEquals(0, ra.usage().cachedPromptTokens());

        // 1. the history (a + 7 generated) is a prefix of b: the live state continues
        int[] b = concat(a, ra.tokenIds(), tok.encode(" Then attention layers read the cache."));
        long before = s.computedTokens();
        GenerationResult rb = LogitsSpy.generate(s, b, GREEDY);
        assertEquals(a.length + 7, rb.usage().cachedPromptTokens());
        assertEquals(b.length - (a.length + 7) + 7, s.computedTokens() - before);
        assertSameAsFresh(b, s, rb);

        // 2. c leaves the history right after b's prompt (another continuation): rewind to the snapshot at b's end
        int other = rb.tokenIds()[0] == 100 ? 101 : 100;
        int[] c = concat(b, new int[] {other}, tok.encode(" A different ending."));
        before = s.computedTokens();
        GenerationResult rc = LogitsSpy.generate(s, c, GREEDY);
        assertEquals(b.length, rc.usage().cachedPromptTokens());
        assertEquals(c.length - b.length + 7, s.computedTokens() - before);
        assertSameAsFresh(c, s, rc);

        // 3. the same prompt again (regenerate): no prefill at all, the snapshot's logits are reused
        before = s.computedTokens();
        GenerationResult rc2 = LogitsSpy.generate(s, c, GREEDY);
        assertEquals(c.length, rc2.usage().cachedPromptTokens());
        assertEquals(7, s.computedTokens() - before);
        assertArrayEquals(rc.tokenIds(), rc2.tokenIds());

        // 4. back to the first prompt, a prefix of everything since: its snapshot still holds
        before = s.computedTokens();
        GenerationResult ra2 = LogitsSpy.generate(s, a, GREEDY);
        assertEquals(a.length, ra2.usage().cachedPromptTokens());
        assertEquals(7, s.computedTokens() - before);
        assertArrayEquals(ra.tokenIds(), ra2.tokenIds());

        // 5. a prompt sharing nothing usable starts over
        int[] d = tok.encode("Unrelated text.");
        before = s.computedTokens();
        GenerationResult rd = LogitsSpy.generate(s, d, GREEDY);
        assertEquals(0, rd.usage().cachedPromptTokens());
        assertEquals(d.length + 7, s.computedTokens() - before);
        assertSameAsFresh(d, s, rd);

        // 6. after a reset nothing is reused
        s.reset();
        assertEquals(0, LogitsSpy.generate(s, d, GREEDY).usage().cachedPromptTokens());
    }

    @Test
    void longPromptsArePrefilledInChunksWithTheSameResult() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; sb.length() < 4000; i++) {
            sb.append("Sentence number ").append(i).append(" talks about state space models and attention. ");
        }
        int[] p = tok.encode(sb.toString());
        assertTrue(p.length > Session.PREFILL_CHUNK + 10, "premise: longer than one chunk: " + p.length);
        Session s = model.newSession();
        GenerationResult r = LogitsSpy.generate(s, p, GREEDY);
        // one forward call over everything, as the reference
        var m = model.model();
        var state = m.newState(p.length + 1);
        float[] logits = m.forward(p, 0, p.length, state, false, false).logits();
        double d = Compare.maxAbsDiff(LogitsSpy.lastPromptLogits(s), 0, logits, 0, logits.length);
        assertTrue(d <= 1e-3, "chunked vs one prefill: max |Δlogit| = " + d);
        assertEquals(GREEDY.maxTokens(), r.tokenIds().length);
    }

    @Test
    void chatTurnsReuseThePreviousTurnsState() {
        GenerationConfig cfg = GenerationConfig.builder().maxTokens(12).build();
        ChatOptions opts = ChatOptions.builder().system("You are a terse assistant.").build();
        Chat chat = model.newChat(opts);
        ChatResponse r1 = chat.send("What is a delta rule?", cfg);
        int firstPrompt = r1.usage().promptTokens();
        long afterFirst = chat.session().computedTokens();
        assertEquals(firstPrompt + 11, afterFirst);

        ChatResponse r2 = chat.send("And a gated one?", cfg);
        List<ChatMessage> turn2 = chat.messages().subList(0, chat.messages().size() - 1);
        assertEquals("user", turn2.getLast().role());
        int[] prompt2 = model.chatPrompt(turn2, ChatOptions.defaults()).tokenIds();
        assertEquals(prompt2.length, r2.usage().promptTokens());
        assertTrue(r2.usage().cachedPromptTokens() >= firstPrompt, "cached " + r2.usage().cachedPromptTokens());
        long computed = chat.session().computedTokens() - afterFirst;
        assertEquals(prompt2.length - r2.usage().cachedPromptTokens() + 11, computed);
        assertTrue(computed < prompt2.length, "skipped the shared prefix");

        Session fresh = model.newSession();
        GenerationResult want = LogitsSpy.generate(fresh, prompt2, cfg);
        assertArrayEquals(want.tokenIds(), r2.tokenIds());
        // the chat turn's logits after its prompt, as its snapshot keeps them: the same prompt again reuses them whole
        assertEquals(prompt2.length, LogitsSpy.generate(chat.session(), prompt2, cfg).usage().cachedPromptTokens());
        double d = Compare.maxAbsDiff(LogitsSpy.lastPromptLogits(chat.session()), 0, LogitsSpy.lastPromptLogits(fresh), 0,
                LogitsSpy.lastPromptLogits(fresh).length);
        assertTrue(d <= 1e-3, "max |Δlogit| vs a fresh run = " + d);
        assertNotEquals(0, r2.tokenIds().length);
    }
}
