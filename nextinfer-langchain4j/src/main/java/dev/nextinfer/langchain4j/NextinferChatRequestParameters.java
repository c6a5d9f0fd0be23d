package dev.nextinfer.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;
import java.util.Objects;

/**
 * LangChain4j's common request parameters plus nextinfer's own: sampler seed, min-p, repetition penalty, the
 * template's thinking switch and MTP speculative decoding. Use it as {@code defaultRequestParameters} of a model
 * builder or as a {@code ChatRequest}'s parameters; a null value means "not set here" (defaults apply).
 *
 * <pre>{@code
 * ChatRequest request = ChatRequest.builder()
 *         .messages(UserMessage.from("Hi"))
 *         .parameters(NextinferChatRequestParameters.builder().temperature(0.7).seed(42L).build())
 *         .build();
 * }</pre>
 */
public class NextinferChatRequestParameters extends DefaultChatRequestParameters {
    /** No parameter set. */
    public static final NextinferChatRequestParameters EMPTY = builder().build();

    private final Long seed;
    private final Double minP;
    private final Double repetitionPenalty;
    private final Boolean enableThinking;
    private final Integer mtpDraftTokens;

    /** From a builder. */
    protected NextinferChatRequestParameters(Builder builder) {
        super(builder);
        this.seed = builder.seed;
        this.minP = builder.minP;
        this.repetitionPenalty = builder.repetitionPenalty;
        this.enableThinking = builder.enableThinking;
        this.mtpDraftTokens = builder.mtpDraftTokens;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** Seed of the sampler: the same seed gives the same tokens (null: random). */
    public Long seed() {
        return seed;
    }

    /** Drops tokens below {@code minP × p_max} (0 = off). */
    public Double minP() {
        return minP;
    }

    /** CTRL-style penalty on tokens already in the context (1 = off). */
    public Double repetitionPenalty() {
        return repetitionPenalty;
    }

    /** The Qwen3 templates' {@code enable_thinking} switch (null: the template's default). */
    public Boolean enableThinking() {
        return enableThinking;
    }

    /** Speculative decoding with the checkpoint's MTP head: draft tokens per step, 0 = off (1…4). */
    public Integer mtpDraftTokens() {
        return mtpDraftTokens;
    }

    @Override
    public NextinferChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public NextinferChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NextinferChatRequestParameters that && super.equals(o)
                && Objects.equals(seed, that.seed) && Objects.equals(minP, that.minP)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty)
                && Objects.equals(enableThinking, that.enableThinking)
                && Objects.equals(mtpDraftTokens, that.mtpDraftTokens);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), seed, minP, repetitionPenalty, enableThinking, mtpDraftTokens);
    }

    @Override
    public String toString() {
        return "NextinferChatRequestParameters{modelName=" + modelName() + ", temperature=" + temperature()
                + ", topP=" + topP() + ", topK=" + topK() + ", frequencyPenalty=" + frequencyPenalty()
                + ", presencePenalty=" + presencePenalty() + ", maxOutputTokens=" + maxOutputTokens()
                + ", stopSequences=" + stopSequences() + ", toolSpecifications=" + toolSpecifications()
                + ", toolChoice=" + toolChoice() + ", responseFormat=" + responseFormat() + ", seed=" + seed
                + ", minP=" + minP + ", repetitionPenalty=" + repetitionPenalty + ", enableThinking=" + enableThinking
                + ", mtpDraftTokens=" + mtpDraftTokens + "}";
    }

    /** Builder of {@link NextinferChatRequestParameters}. */
    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Long seed;
        private Double minP;
        private Double repetitionPenalty;
        private Boolean enableThinking;
        private Integer mtpDraftTokens;

        /** A builder with nothing set. */
        public Builder() {
        }

        /** Takes every value {@code parameters} sets (nextinfer's own only from a {@link NextinferChatRequestParameters}). */
        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof NextinferChatRequestParameters p) {
                seed = p.seed != null ? p.seed : seed;
                minP = p.minP != null ? p.minP : minP;
                repetitionPenalty = p.repetitionPenalty != null ? p.repetitionPenalty : repetitionPenalty;
                enableThinking = p.enableThinking != null ? p.enableThinking : enableThinking;
                mtpDraftTokens = p.mtpDraftTokens != null ? p.mtpDraftTokens : mtpDraftTokens;
            }
            return this;
        }

        /** Sampler seed; null = random. */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        /** Min-p; 0 = off. */
        public Builder minP(Double minP) {
            this.minP = minP;
            return this;
        }

        /** Repetition penalty; 1 = off. */
        public Builder repetitionPenalty(Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return this;
        }

        /** The template's {@code enable_thinking}; null = the template's default. */
        public Builder enableThinking(Boolean enableThinking) {
            this.enableThinking = enableThinking;
            return this;
        }

        /** MTP draft tokens per step; 0 = off. */
        public Builder mtpDraftTokens(Integer mtpDraftTokens) {
            this.mtpDraftTokens = mtpDraftTokens;
            return this;
        }

        @Override
        public NextinferChatRequestParameters build() {
            return new NextinferChatRequestParameters(this);
        }
    }
}
