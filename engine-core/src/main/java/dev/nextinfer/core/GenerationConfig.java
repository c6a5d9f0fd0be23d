package dev.nextinfer.core;

import java.util.List;
import java.util.Set;

/**
 * How to generate. Build with {@link #builder()}; {@link #greedy()} is deterministic argmax decoding.
 *
 * @param maxTokens         most tokens to generate (≥ 1)
 * @param temperature       0 = greedy (argmax); otherwise logits are divided by it before the softmax
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              keep the smallest set whose probability reaches p (1 = off)
 * @param minP              drop tokens below {@code minP × p_max} (0 = off)
 * @param repetitionPenalty CTRL-style penalty on tokens already in the context: positive logits divided by it,
 *                          negative ones multiplied (1 = off)
 * @param presencePenalty   subtracted once from the logit of every token already generated (0 = off)
 * @param frequencyPenalty  subtracted from the logit of every generated token once per time it was generated
 *                          (OpenAI's {@code frequency_penalty}; 0 = off)
 * @param seed              seed of the sampler; the same seed gives the same tokens (null = random)
 * @param stopTokenIds      generation ends when one of these is produced (it is not part of the text); the model's
 *                          end-of-sequence ids are always included by the engine
 * @param stopStrings       generation ends when the text contains one of these (matched across token boundaries,
 *                          never emitted)
 * @param mtpDraftTokens    speculative decoding with the MTP head: tokens drafted per step (0 = off, 1…4); with
 *                          repetition/presence/frequency penalties or min-p, decoding stays plain (exact) instead
 */
public record GenerationConfig(int maxTokens, double temperature, int topK, double topP, double minP,
                               double repetitionPenalty, double presencePenalty, double frequencyPenalty, Long seed,
                               Set<Integer> stopTokenIds, List<String> stopStrings, int mtpDraftTokens) {

    /** Validates the values; errors name the parameter. */
    public GenerationConfig {
        check(maxTokens >= 1, "maxTokens must be ≥ 1, got " + maxTokens);
        check(temperature >= 0 && Double.isFinite(temperature), "temperature must be ≥ 0, got " + temperature);
        check(topK >= 0, "topK must be ≥ 0, got " + topK);
        check(topP > 0 && topP <= 1, "topP must be in (0, 1], got " + topP);
        check(minP >= 0 && minP < 1, "minP must be in [0, 1), got " + minP);
        check(repetitionPenalty > 0 && Double.isFinite(repetitionPenalty), "repetitionPenalty must be > 0, got " + repetitionPenalty);
        check(Double.isFinite(presencePenalty), "presencePenalty must be finite, got " + presencePenalty);
        check(Double.isFinite(frequencyPenalty), "frequencyPenalty must be finite, got " + frequencyPenalty);
        check(mtpDraftTokens >= 0 && mtpDraftTokens <= 4, "mtpDraftTokens must be in 0…4, got " + mtpDraftTokens);
        stopTokenIds = Set.copyOf(stopTokenIds);
        stopStrings = List.copyOf(stopStrings);
        for (String s : stopStrings) {
            check(!s.isEmpty(), "stop strings must not be empty");
        }
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new NextInferException(message);
        }
    }

    /** Argmax decoding, 256 tokens. */
    public static GenerationConfig greedy() {
        return builder().build();
    }

    /** Whether sampling is deterministic argmax. */
    public boolean isGreedy() {
        return temperature == 0;
    }

    /** A builder starting from greedy decoding of up to 256 tokens. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder initialised from this config. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxTokens = maxTokens;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.minP = minP;
        b.repetitionPenalty = repetitionPenalty;
        b.presencePenalty = presencePenalty;
        b.frequencyPenalty = frequencyPenalty;
        b.seed = seed;
        b.stopTokenIds = stopTokenIds;
        b.stopStrings = stopStrings;
        b.mtpDraftTokens = mtpDraftTokens;
        return b;
    }

    /** Builder of {@link GenerationConfig}. */
    public static final class Builder {
        private int maxTokens = 256;
        private double temperature;
        private int topK;
        private double topP = 1.0;
        private double minP;
        private double repetitionPenalty = 1.0;
        private double presencePenalty;
        private double frequencyPenalty;
        private Long seed;
        private Set<Integer> stopTokenIds = Set.of();
        private List<String> stopStrings = List.of();
        private int mtpDraftTokens;

        private Builder() {
        }

        /** Most tokens to generate. */
        public Builder maxTokens(int v) {
            maxTokens = v;
            return this;
        }

        /** 0 = greedy. */
        public Builder temperature(double v) {
            temperature = v;
            return this;
        }

        /** 0 = off. */
        public Builder topK(int v) {
            topK = v;
            return this;
        }

        /** 1 = off. */
        public Builder topP(double v) {
            topP = v;
            return this;
        }

        /** 0 = off. */
        public Builder minP(double v) {
            minP = v;
            return this;
        }

        /** 1 = off. */
        public Builder repetitionPenalty(double v) {
            repetitionPenalty = v;
            return this;
        }

        /** 0 = off. */
        public Builder presencePenalty(double v) {
            presencePenalty = v;
            return this;
        }

        /** 0 = off. */
        public Builder frequencyPenalty(double v) {
            frequencyPenalty = v;
            return this;
        }

        /** Sampler seed; null = random. */
        public Builder seed(Long v) {
            seed = v;
            return this;
        }

        /** Extra token ids that end generation. */
        public Builder stopTokenIds(Set<Integer> v) {
            stopTokenIds = v;
            return this;
        }

        /** Strings that end generation (not emitted). */
        public Builder stopStrings(List<String> v) {
            stopStrings = v;
            return this;
        }

        /** MTP speculative decoding: draft tokens per step, 0 = off. */
        public Builder mtpDraftTokens(int v) {
            mtpDraftTokens = v;
            return this;
        }

        /** The config. */
        public GenerationConfig build() {
            return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, presencePenalty,
                    frequencyPenalty, seed, stopTokenIds, stopStrings, mtpDraftTokens);
        }
    }
}
