package dev.nextinfer.core.gguf;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.VectorOps;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The integer kernels ({@code --int8-activations}: IQ4_NL, IQ4_XS, Q2_K, Q3_K, Q4_0, Q4_K, Q5_0, Q5_K, Q6_K and Q8_0
 * weights times activations rounded to int8 per block of 32, in decode steps) against llama.cpp on the same file: the
 * Q4_0, Q5_0, Q5_K_M and IQ4_NL files ({@code models/q3n-256/…}, made with llama-quantize; their READMEs say how:
 * every matrix Q4_0 or Q5_0, the output projection too; llama.cpp's Q5_K_M mix of Q5_K, Q6_K and Q8_0; its IQ4_NL
 * mix of IQ4_NL, Q5_K, Q6_K and Q8_0), and the fixtures' IQ4_XS
 * (IQ4_XS, Q5_K, Q6_K, Q8_0), Q2_K (Q2_K, Q3_K, Q5_K, Q6_K, Q8_0), Q4_K_M (Q4_K, Q5_K, Q6_K), Q6_K and Q8_0 files:
 * over every position of the three prompts, nextinfer's integer path must be as close to the exact answer as llama.cpp's own logits are, in mean KL
 * (within 5%, see the assertion) and in top-1 agreement. The exact answer is nextinfer's f32
 * kernels on the file's values (within 2e-3 of float64 on the BF16 goldens; llama.cpp's and the integer path's
 * errors here are far larger).
 */
class Int8ActivationsQualityTest {
    /**
     * The logits of every position, one decode step per token: every product runs the integer kernel, as in decode
     * steps (and batched or speculative steps). A prefill ({@link #compare}'s second check) runs it only in the
     * products of a few rows (a short prompt, a prefill's experts), the f32 panel product in the others.
     */
    private static float[] tokenByToken(Qwen3NextModel m, int[] prompt) {
        int vocab = m.config().vocabSize();
        float[] all = new float[prompt.length * vocab];
        SequenceState s = m.newState(1024);
        for (int t = 0; t < prompt.length; t++) {
            System.arraycopy(m.forward(prompt, t, t + 1, s, false, false).logits(), 0, all, t * vocab, vocab);
        }
        return all;
    }

    @ParameterizedTest
    @ValueSource(strings = {"IQ4_NL", "IQ4_XS", "Q2_K", "Q4_0", "Q4_K_M", "Q5_0", "Q5_K_M", "Q6_K", "Q8_0"})
    void noFurtherFromExactThanLlamaCppOnTheSameFile(String variant) {
        Path file = GgufFixtures.dir().resolve(variant + "/q3n-256-" + variant + ".gguf");
        LoadOptions.Builder b = LoadOptions.builder().threads(2).kvCache(KvCacheFormat.F32);
        try (Qwen3Next exact = Qwen3Next.load(file, b.int8Activations(false).build());
             Qwen3Next int8 = Qwen3Next.load(file, b.int8Activations(true).build())) {
            compare(variant, exact, int8);
        }
    }

    private static void compare(String variant, Qwen3Next exact, Qwen3Next int8) {
        compare(variant + " token by token", exact, int8, false);
        compare(variant + " prefill", exact, int8, true);
    }

    private static void compare(String variant, Qwen3Next exact, Qwen3Next int8, boolean prefill) {
        int vocab = exact.config().vocabSize();
        double kl = 0;
        double llamaKl = 0;
        int agree = 0;
        int llamaAgree = 0;
        int positions = 0;
        for (int length : GgufFixtures.LENGTHS) {
            int[] prompt = GgufFixtures.ints(GgufFixtures.prompt("Q8_0", length).get("ids"));
            float[] e = exact.model().forward(prompt, 0, length, exact.model().newState(1024), true, false).logits();
            float[] q = prefill ? int8.model().forward(prompt, 0, length, int8.model().newState(1024), true, false).logits()
                    : tokenByToken(int8.model(), prompt);
            float[] l = GgufFixtures.llama(variant.substring(0, variant.indexOf(' ')), length).data();
            for (int t = 0; t < length; t++) {
                int top = VectorOps.argmax(e, t * vocab, vocab);
                kl += GgufGoldenTest.klDivergence(e, q, t * vocab, vocab);
                llamaKl += GgufGoldenTest.klDivergence(e, l, t * vocab, vocab);
                agree += top == VectorOps.argmax(q, t * vocab, vocab) ? 1 : 0;
                llamaAgree += top == VectorOps.argmax(l, t * vocab, vocab) ? 1 : 0;
            }
            positions += length;
        }
        System.out.printf("%s, against the exact answer: int8 activations mean KL %.4g, top-1 %d/%d; llama.cpp %.4g, %d/%d%n",
                variant, kl / positions, agree, positions, llamaKl / positions, llamaAgree, positions);
        // The same rounding rule as llama.cpp's, in other summation orders: measured 1.01× its mean KL. Over 271
        // positions of this tiny random model the mean is carried by a few positions where the rounding pattern
        // happens to matter (an f32 block scale, which rounds less, measured 1.37×), hence 5% of slack on KL; the
        // top-1 agreement is held to llama.cpp's without slack.
        assertTrue(kl <= 1.05 * llamaKl, variant + ": mean KL " + kl / positions + " > 1.05 × llama.cpp's " + llamaKl / positions);
        assertTrue(agree >= llamaAgree, variant + ": top-1 " + agree + "/" + positions + " < llama.cpp's " + llamaAgree);
    }
}
