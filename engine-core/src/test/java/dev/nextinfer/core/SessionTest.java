package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.sampling.Sampler;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.testing.TextModels;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Raw completion through the public API: sampling wiring, seeds, stops, limits, cancellation, streaming. */
class SessionTest {
    private static Qwen3Next model;
    private static Tokenizer tok;
    private static int[] prompt;

    @BeforeAll
    static void load() {
        model = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build());
        tok = model.tokenizer();
        prompt = tok.encode("The delta rule updates a fast-weight memory one token at a time.");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** The reference: a plain forward loop sampling with {@link Sampler}, no stop handling. */
    static int[] reference(int[] prompt, GenerationConfig cfg, int n) {
        Qwen3NextModel m = model.model();
        SequenceState s = m.newState(prompt.length + n);
        Sampler sampler = new Sampler(cfg);
        float[] logits = m.forward(prompt, 0, prompt.length, s, false, false).logits();
        int[] ctx = Arrays.copyOf(prompt, prompt.length + n);
        int[] gen = new int[n];
        for (int i = 0; i < n; i++) {
            int t = sampler.next(logits, ctx, prompt.length + i, gen, i);
            gen[i] = t;
            ctx[prompt.length + i] = t;
            logits = m.forward(new int[] {t}, 0, 1, s, false, false).logits();
        }
        return gen;
    }

    private static GenerationConfig greedy(int n) {
        return GenerationConfig.builder().maxTokens(n).build();
    }

    @Test
    void greedyMatchesTheForwardPassAndTextMatchesDecode() {
        int[] want = reference(prompt, greedy(24), 24);
        assertTrue(Arrays.stream(want).noneMatch(model.stopTokenIds()::contains), "premise: no EOS in the continuation");
        StringBuilder streamed = new StringBuilder();
        GenerationResult r = model.newSession().generate(prompt, greedy(24), p -> streamed.append(p.text()));
        assertArrayEquals(want, r.tokenIds());
        assertEquals(FinishReason.LENGTH, r.finishReason());
        assertEquals(tok.decode(want, true), r.text());
        assertEquals(r.text(), streamed.toString());
        assertEquals(prompt.length, r.usage().promptTokens());
        assertEquals(24, r.usage().completionTokens());
        assertEquals(0, r.usage().cachedPromptTokens());
    }

    @Test
    void textPromptIsEncodedWithTheTokenizer() {
        String text = "The delta rule updates a fast-weight memory one token at a time.";
        GenerationResult a = model.newSession().generate(text, greedy(6));
        GenerationResult b = model.newSession().generate(prompt, greedy(6), GenerationListener.NONE);
        assertArrayEquals(b.tokenIds(), a.tokenIds());
    }

    @Test
    void penaltiesAndFiltersReachTheSampler() {
        GenerationConfig cfg = GenerationConfig.builder().maxTokens(20).temperature(0.8).topK(40).topP(0.9).minP(0.02)
                .repetitionPenalty(1.3).presencePenalty(0.5).seed(3L).build();
        int[] want = reference(prompt, cfg, 20);
        assertArrayEquals(want, model.newSession().generate(prompt, cfg, GenerationListener.NONE).tokenIds());
        // the penalties see the right tokens: a negative presence penalty makes the generated tokens irresistible
        // (everything repeats the first one); a repetition penalty far below 1 boosts the prompt's tokens
        int[] rep = model.newSession().generate(prompt, greedy(8).toBuilder().presencePenalty(-1e4).build(), GenerationListener.NONE).tokenIds();
        for (int t : rep) {
            assertEquals(rep[0], t, Arrays.toString(rep));
        }
        Set<Integer> promptTokens = Arrays.stream(prompt).boxed().collect(Collectors.toSet());
        int[] fromPrompt = model.newSession().generate(prompt, greedy(8).toBuilder().repetitionPenalty(1e-6).build(), GenerationListener.NONE).tokenIds();
        for (int t : fromPrompt) {
            assertTrue(promptTokens.contains(t), t + " not in the prompt: " + Arrays.toString(fromPrompt));
        }
        // top-k 1 is greedy whatever the temperature
        GenerationConfig topOne = GenerationConfig.builder().maxTokens(12).temperature(1.5).topK(1).seed(9L).build();
        assertArrayEquals(reference(prompt, greedy(12), 12), model.newSession().generate(prompt, topOne, GenerationListener.NONE).tokenIds());
    }

    @Test
    void sameSeedSameTokensOtherSeedOtherTokens() {
        GenerationConfig cfg = GenerationConfig.builder().maxTokens(16).temperature(1.0).seed(42L).build();
        int[] a = model.newSession().generate(prompt, cfg, GenerationListener.NONE).tokenIds();
        int[] b = model.newSession().generate(prompt, cfg, GenerationListener.NONE).tokenIds();
        int[] c = model.newSession().generate(prompt, cfg.toBuilder().seed(43L).build(), GenerationListener.NONE).tokenIds();
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
    }

    @Test
    void stopTokenIdEndsGenerationAndIsNotText() {
        int[] g = reference(prompt, greedy(24), 24);
        int k = 1;
        while (k < g.length && contains(g, 0, k, g[k])) {
            k++;
        }
        assertTrue(k < 20, "premise: a token that did not occur before");
        GenerationConfig cfg = greedy(24).toBuilder().stopTokenIds(Set.of(g[k])).build();
        GenerationResult r = model.newSession().generate(prompt, cfg, GenerationListener.NONE);
        assertEquals(FinishReason.STOP, r.finishReason());
        assertArrayEquals(Arrays.copyOf(g, k + 1), r.tokenIds());
        assertEquals(tok.decode(Arrays.copyOf(g, k), true), r.text());
    }

    @Test
    void stopStringSpanningTwoTokensIsMatchedAndNeverEmitted() {
        int n = 40;
        int[] g = reference(prompt, greedy(n), n);
        String full = tok.decode(g, true);
        // a boundary between two tokens with clean text; the stop string is the last character before it and the
        // first after it, and occurs nowhere earlier
        String stop = null;
        int cut = -1;
        for (int i = 2; i + 1 < n && stop == null; i++) {
            String a = tok.decode(new int[] {g[i]}, true);
            String b = tok.decode(new int[] {g[i + 1]}, true);
            String before = tok.decode(Arrays.copyOf(g, i + 1), true);
            int pos = before.length();
            if (clean(a) && clean(b) && before.endsWith(a) && full.startsWith(before + b)
                    && !Character.isSurrogate(full.charAt(pos - 1)) && !Character.isSurrogate(full.charAt(pos))) {
                String s = full.substring(pos - 1, pos + 1);
                if (full.indexOf(s) == pos - 1) {
                    stop = s;
                    cut = pos - 1;
                }
            }
        }
        assertTrue(stop != null, "premise: a stop string across a token boundary exists in " + full);
        assertEquals(tok.decode(g, true), full);
        List<String> pieces = new ArrayList<>();
        GenerationConfig cfg = greedy(n).toBuilder().stopStrings(List.of("never-generated-zzz", stop)).build();
        GenerationResult r = model.newSession().generate(prompt, cfg, p -> pieces.add(p.text()));
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(full.substring(0, cut), r.text());
        assertEquals(r.text(), String.join("", pieces));
        for (String p : pieces) {
            assertFalse(p.contains(stop));
        }
        assertTrue(r.tokenIds().length < n);
    }

    private static boolean clean(String s) {
        return !s.isEmpty() && s.chars().noneMatch(c -> c == 0xFFFD || Character.isWhitespace(c));
    }

    private static boolean contains(int[] a, int from, int to, int v) {
        for (int i = from; i < to; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    @Test
    void contextLimitIsCheckedBeforeAnyCompute() {
        try (Qwen3Next small = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(1).contextLength(32).build())) {
            assertEquals(32, small.contextLength());
            Session s = small.newSession();
            int[] p = Arrays.copyOf(prompt, 20);
            NextInferException e = assertThrows(NextInferException.class, () -> s.generate(p, greedy(13), GenerationListener.NONE));
            assertEquals("prompt (20 tokens) + max tokens (13) = 33 exceeds the context length of 32 tokens", e.getMessage());
            assertEquals(0, s.computedTokens());
            assertThrows(NextInferException.class, () -> s.stream(p, greedy(13)));
            assertEquals(0, s.computedTokens());
            GenerationResult ok = s.generate(p, greedy(12), GenerationListener.NONE); // exactly the limit
            assertEquals(12, ok.tokenIds().length);
        }
        NextInferException e = assertThrows(NextInferException.class,
                () -> Qwen3Next.load(TextModels.small(), LoadOptions.builder().contextLength(1 << 30).build()));
        assertTrue(e.getMessage().contains("exceeds the model's max_position_embeddings"), e.getMessage());
    }

    @Test
    void badPromptsAreOneLineErrors() {
        Session s = model.newSession();
        assertEquals("the prompt is empty: at least one token is needed",
                assertThrows(NextInferException.class, () -> s.generate(new int[0], greedy(4), GenerationListener.NONE)).getMessage());
        assertTrue(assertThrows(NextInferException.class, () -> s.generate(new int[] {5, 151936}, greedy(4), GenerationListener.NONE))
                .getMessage().contains("outside the vocabulary"));
        assertEquals(0, s.computedTokens());
    }

    @Test
    void cancellationFromAnotherThreadStopsWithinOneToken() throws Exception {
        Session s = model.newSession();
        AtomicInteger tokensAfterCancel = new AtomicInteger(-1);
        CountDownLatch cancelled = new CountDownLatch(1);
        AtomicInteger count = new AtomicInteger();
        GenerationListener listener = new GenerationListener() {
            @Override
            public void onText(TextPiece piece) {
            }

            @Override
            public void onToken(int id) {
                int n = count.incrementAndGet();
                if (n == 3) {
                    Thread t = new Thread(() -> {
                        s.cancel();
                        cancelled.countDown();
                    });
                    t.start();
                    try {
                        assertTrue(cancelled.await(30, TimeUnit.SECONDS));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    tokensAfterCancel.set(0);
                } else if (n > 3) {
                    tokensAfterCancel.incrementAndGet();
                }
            }
        };
        GenerationResult r = s.generate(prompt, greedy(200), listener);
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertEquals(0, tokensAfterCancel.get(), "no token after the one during which cancel() was called");
        assertEquals(3, r.tokenIds().length);
        // the session stays usable and continues from what it consumed
        GenerationResult next = s.generate(prompt, greedy(3), GenerationListener.NONE);
        assertEquals(FinishReason.LENGTH, next.finishReason());
        assertEquals(prompt.length, next.usage().cachedPromptTokens());
    }

    @Test
    void iteratorAndStreamGiveTheListenersPieces() {
        List<TextPiece> viaListener = new ArrayList<>();
        GenerationResult want = model.newSession().generate(prompt, greedy(20), viaListener::add);
        List<TextPiece> viaIterator = new ArrayList<>();
        try (TextStream<GenerationResult> s = model.newSession().stream(prompt, greedy(20))) {
            s.forEachRemaining(viaIterator::add);
            assertEquals(want.text(), s.result().text());
            assertArrayEquals(want.tokenIds(), s.result().tokenIds());
        }
        assertEquals(viaListener, viaIterator);
        String joined;
        TextStream<GenerationResult> s2 = model.newSession().stream(prompt, greedy(20));
        try (var stream = s2.stream()) {
            joined = stream.map(TextPiece::text).collect(Collectors.joining());
        }
        assertEquals(want.text(), joined);
        assertEquals(FinishReason.LENGTH, s2.result().finishReason());
    }

    @Test
    void closingAStreamCancelsTheGeneration() {
        Session session = model.newSession();
        TextStream<GenerationResult> s = session.stream(prompt, greedy(100_000));
        for (int i = 0; i < 3; i++) {
            assertTrue(s.hasNext());
            s.next();
        }
        s.close();
        GenerationResult r = s.result();
        assertEquals(FinishReason.CANCELLED, r.finishReason());
        assertTrue(r.tokenIds().length < 1000, "stopped early: " + r.tokenIds().length);
        assertFalse(s.hasNext());
    }

    @Test
    void oneGenerationAtATimePerSession() {
        Session session = model.newSession();
        try (TextStream<GenerationResult> s = session.stream(prompt, greedy(100_000))) {
            assertTrue(s.hasNext()); // running
            NextInferException e = assertThrows(NextInferException.class, () -> session.generate(prompt, greedy(2), GenerationListener.NONE));
            assertTrue(e.getMessage().contains("already generating"), e.getMessage());
        }
    }

    @Test
    void textApisNeedTheCheckpointsTokenizer() {
        try (Qwen3Next noTok = Qwen3Next.load(Fixtures.model("tiny-f32"), LoadOptions.builder().threads(1).build())) {
            NextInferException e = assertThrows(NextInferException.class, () -> noTok.newSession().generate("hi", greedy(2)));
            assertTrue(e.getMessage().endsWith("no tokenizer.json: text generation needs the checkpoint's tokenizer files"
                    + " (tokenizer.json, tokenizer_config.json)"), e.getMessage());
            assertThrows(NextInferException.class, () -> noTok.newChat(ChatOptions.defaults()));
        }
    }

    @Test
    void generationDefaultsComeFromGenerationConfigJson() {
        GenerationConfig d = model.generationDefaults();
        assertEquals(0.7, d.temperature(), 1e-12); // synth writes Qwen's recommended settings
        assertEquals(20, d.topK());
        assertEquals(0.8, d.topP(), 1e-12);
        assertTrue(model.stopTokenIds().containsAll(Set.of(tok.tokenId("<|im_end|>").getAsInt(), tok.tokenId("<|endoftext|>").getAsInt())));
    }

}
