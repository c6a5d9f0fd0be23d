package dev.nextinfer.core.decode;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.sampling.SamplingTransform;
import dev.nextinfer.core.speculative.SpeculativeDecoder;
import dev.nextinfer.core.speculative.SpeculativeStats;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The generation layer's speculative decoder: each round drafts k tokens with the MTP head and verifies them in
 * one main-model pass ({@link SpeculativeDecoder}), then hands the accepted tokens to the session one by one. Greedy
 * output equals plain greedy decoding; sampled output has exactly the plain sampling distribution (with its own
 * seeded generator, so a seed gives reproducible but different tokens than plain sampling). One instance per
 * generation: {@link #stats()} reports the latest one's rounds.
 */
public final class MtpDecoder implements Decoder {
    private final int draftTokens;
    private SpeculativeDecoder last;

    /** A decoder drafting {@code draftTokens} (1…4) tokens per round. */
    public MtpDecoder(int draftTokens) {
        this.draftTokens = draftTokens;
    }

    /**
     * Whether speculative decoding reproduces {@code cfg}'s distribution: the sampling transform (temperature, top-k,
     * top-p, min-p) is applied identically to draft and target; penalties, which depend on the tokens drafted so
     * far, are not supported by the speculative path.
     */
    public static boolean supports(GenerationConfig cfg) {
        return cfg.repetitionPenalty() == 1.0 && cfg.presencePenalty() == 0 && cfg.frequencyPenalty() == 0;
    }

    @Override
    public boolean needsMtpInputs() {
        return true;
    }

    @Override
    public void decode(DecodeContext ctx) {
        GenerationConfig cfg = ctx.config();
        SamplingTransform params = SamplingTransform.of(cfg);
        SplittableRandom rng = cfg.seed() != null ? new SplittableRandom(cfg.seed()) : new SplittableRandom();
        SpeculativeDecoder sd = new SpeculativeDecoder(ctx.model(), draftTokens, params, rng);
        last = sd;
        int x = ctx.sample(ctx.promptLogits());
        if (!ctx.emit(x)) {
            return;
        }
        while (true) {
            long draftedBefore = sd.stats().drafted();
            long acceptedBefore = sd.stats().accepted();
            int limit = Math.max(1, cfg.maxTokens() - ctx.generatedCount());
            int[] tokens = sd.nextTokens(ctx.state(), x, limit);
            int drafted = (int) (sd.stats().drafted() - draftedBefore);
            ctx.addComputedTokens(drafted + 1); // one pass over [x, d1 .. dk] (or one plain step)
            ctx.recordSpeculation(drafted, (int) (sd.stats().accepted() - acceptedBefore));
            for (int i = 0; i < tokens.length; i++) {
                if (!ctx.emit(tokens[i])) {
                    // the state has consumed every returned token but the last; tell the session which it holds
                    // beyond the emitted ones
                    if (i < tokens.length - 1) {
                        ctx.consumedPastEmitted(Arrays.copyOfRange(tokens, i + 1, tokens.length - 1));
                    }
                    return;
                }
            }
            x = tokens[tokens.length - 1];
        }
    }

    /** Draft tokens per round (k). */
    public int draftTokens() {
        return draftTokens;
    }

    /** The counters of the latest {@link #decode} (all zero before one). */
    public SpeculativeStats stats() {
        return last == null ? new SpeculativeStats(0, 0, 0, 0, 0) : last.stats();
    }

    @Override
    public String toString() {
        return "mtp(k=" + draftTokens + ")";
    }
}
