package dev.nextinfer.core.sampling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;
import org.junit.jupiter.api.Test;

/** The sampling transform against hand-computed distributions, and the seeded draw. */
class SamplerTest {
    private static final float[] LOGITS = {2f, 1f, 0f, -1f, 1f};

    private static double[] softmax(double[] l, double t) {
        double[] p = new double[l.length];
        double s = 0;
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] / t);
            s += p[i];
        }
        for (int i = 0; i < l.length; i++) {
            p[i] /= s;
        }
        return p;
    }

    private static float[] dist(GenerationConfig c) {
        return new Sampler(c).distribution(LOGITS, new int[0], 0, new int[0], 0);
    }

    private static void assertDist(double[] expected, float[] got) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], got[i], 1e-6, "p[" + i + "]");
        }
    }

    @Test
    void temperatureSoftmax() {
        assertDist(softmax(new double[] {2, 1, 0, -1, 1}, 0.5), dist(GenerationConfig.builder().temperature(0.5).build()));
    }

    @Test
    void topKKeepsLowerIdOnTies() {
        double[] p = softmax(new double[] {2, 1, 0, -1, 1}, 1);
        double z = p[0] + p[1]; // top-2: id 0, then id 1 beats id 4 on the tie
        assertDist(new double[] {p[0] / z, p[1] / z, 0, 0, 0}, dist(GenerationConfig.builder().temperature(1).topK(2).build()));
    }

    @Test
    void topPSmallestSetReachingP() {
        double[] p = softmax(new double[] {2, 1, 0, -1, 1}, 1); // ≈ .521 .191 .070 .026 .191
        double z2 = p[0] + p[1];                                 // .712 ≥ 0.7: two tokens
        assertDist(new double[] {p[0] / z2, p[1] / z2, 0, 0, 0}, dist(GenerationConfig.builder().temperature(1).topP(0.7).build()));
        double z = p[0] + p[1] + p[4];                           // .712 < 0.75 ≤ .904: three
        assertDist(new double[] {p[0] / z, p[1] / z, 0, 0, p[4] / z}, dist(GenerationConfig.builder().temperature(1).topP(0.75).build()));
        assertDist(new double[] {1, 0, 0, 0, 0}, dist(GenerationConfig.builder().temperature(1).topP(0.3).build()));
    }

    @Test
    void minPRelativeToMostLikely() {
        double[] p = softmax(new double[] {2, 1, 0, -1, 1}, 1);
        double z = p[0] + p[1] + p[4]; // threshold 0.3·p0 ≈ .156 keeps 0, 1, 4
        assertDist(new double[] {p[0] / z, p[1] / z, 0, 0, p[4] / z}, dist(GenerationConfig.builder().temperature(1).minP(0.3).build()));
    }

    @Test
    void penalties() {
        GenerationConfig c = GenerationConfig.builder().temperature(1).repetitionPenalty(2).presencePenalty(0.5).build();
        // context has ids 0 (logit 2 → 1) and 3 (logit -1 → -2); generated has 3 (presence −0.5 → −2.5)
        float[] p = new Sampler(c).distribution(LOGITS, new int[] {0, 3, 0}, 3, new int[] {3}, 1);
        assertDist(softmax(new double[] {1, 1, 0, -2.5, 1}, 1), p);
        int greedy = new Sampler(GenerationConfig.builder().repetitionPenalty(4).build()).next(LOGITS, new int[] {0}, 1, new int[0], 0);
        assertEquals(1, greedy, "2/4 = 0.5 < 1: id 1 wins (lower id on the tie with 4)");
    }

    @Test
    void frequencyPenaltyCountsOccurrences() {
        GenerationConfig c = GenerationConfig.builder().temperature(1).frequencyPenalty(0.25).presencePenalty(0.5).build();
        // generated: id 1 three times (−3·0.25 − 0.5 → −0.25), id 4 once (−0.25 − 0.5 → 0.25); the prompt's id 0 is not
        // penalised
        float[] p = new Sampler(c).distribution(LOGITS, new int[] {0, 1, 4, 1, 1}, 5, new int[] {1, 4, 1, 1}, 4);
        assertDist(softmax(new double[] {2, -0.25, 0, -1, 0.25}, 1), p);
        int greedy = new Sampler(GenerationConfig.builder().frequencyPenalty(0.6).build())
                .next(LOGITS, new int[] {0, 0}, 2, new int[] {0, 0}, 2);
        assertEquals(1, greedy, "2 − 2·0.6 = 0.8 < 1: id 1 wins (lower id on the tie with 4)");
        assertThrows(NextInferException.class, () -> GenerationConfig.builder().frequencyPenalty(Double.NaN).build());
    }

    @Test
    void sameSeedSameDrawsAndFrequenciesFollowP() {
        GenerationConfig c = GenerationConfig.builder().temperature(1).seed(42L).build();
        Sampler a = new Sampler(c);
        Sampler b = new Sampler(c);
        int[] counts = new int[5];
        for (int i = 0; i < 20000; i++) {
            int x = a.next(LOGITS, new int[0], 0, new int[0], 0);
            assertEquals(x, b.next(LOGITS, new int[0], 0, new int[0], 0));
            counts[x]++;
        }
        double[] p = softmax(new double[] {2, 1, 0, -1, 1}, 1);
        for (int i = 0; i < 5; i++) { // 5 sigma of a binomial
            double sd = Math.sqrt(20000 * p[i] * (1 - p[i]));
            assertTrue(Math.abs(counts[i] - 20000 * p[i]) < 5 * sd, "id " + i + ": " + counts[i]);
        }
    }

    @Test
    void invalidConfigNamesTheParameter() {
        assertTrue(assertThrows(NextInferException.class, () -> GenerationConfig.builder().topP(0).build()).getMessage().startsWith("topP"));
        assertTrue(assertThrows(NextInferException.class, () -> GenerationConfig.builder().temperature(-1).build()).getMessage().startsWith("temperature"));
        assertTrue(assertThrows(NextInferException.class, () -> GenerationConfig.builder().mtpDraftTokens(5).build()).getMessage().startsWith("mtpDraftTokens"));
        assertTrue(assertThrows(NextInferException.class, () -> GenerationConfig.builder().maxTokens(0).build()).getMessage().startsWith("maxTokens"));
    }

    /**
     * Plain sampling and speculative sampling draw from one transform: for any config without penalties, the
     * sampler's distribution is exactly the speculative decoder's ({@code SamplingTransform.of(cfg)}), including the
     * order-sensitive filters (top-k then top-p on the renormalised top-k, then min-p).
     */
    @Test
    void plainAndSpeculativeSamplingUseTheSameDistribution() {
        java.util.Random rnd = new java.util.Random(3);
        for (int trial = 0; trial < 200; trial++) {
            float[] logits = new float[1 + rnd.nextInt(300)];
            for (int i = 0; i < logits.length; i++) {
                logits[i] = (float) (rnd.nextGaussian() * 3) + (rnd.nextInt(5) == 0 ? 2f : 0f);
            }
            GenerationConfig c = GenerationConfig.builder().temperature(0.2 + rnd.nextDouble() * 1.5)
                    .topK(rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(logits.length)).topP(rnd.nextBoolean() ? 1 : 0.05 + rnd.nextDouble() * 0.95)
                    .minP(rnd.nextBoolean() ? 0 : rnd.nextDouble() * 0.3).build();
            float[] plain = new Sampler(c).distribution(logits, new int[0], 0, new int[0], 0);
            float[] speculative = SamplingTransform.of(c).probabilities(logits, 0, logits.length);
            assertTrue(java.util.Arrays.equals(plain, speculative), "trial " + trial + " " + c);
            double sum = 0;
            for (float v : plain) {
                sum += v;
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void topPSeesTheDistributionRenormalisedAfterTopK() {
        // p = softmax(2, 1, 0, -1, 1) = (.521, .191, .070, .026, .191); top-k 3 keeps ids 0, 1, 4, renormalised to
        // (.576, .212, .212): top-p 0.72 then keeps two tokens (.788 ≥ .72), where the unrenormalised mass of the
        // same two (.712) would have needed a third
        float[] p = dist(GenerationConfig.builder().temperature(1).topK(3).topP(0.72).build());
        int kept = 0;
        for (float v : p) {
            kept += v > 0 ? 1 : 0;
        }
        assertEquals(2, kept);
    }
}
