package dev.nextinfer.spring.ai;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.model.tool.DefaultToolCallingChatOptions;
import org.springframework.ai.model.tool.ToolCallingChatOptions;
import org.springframework.ai.tool.ToolCallback;

/**
 * Options of a nextinfer chat: Spring AI's portable options (temperature, top-p, top-k, max tokens, stop
 * sequences, frequency and presence penalties, tools) plus nextinfer's own: sampler seed, min-p, repetition
 * penalty, the Qwen3 templates' thinking switch and MTP speculative decoding. A null value means "not set here":
 * the model's default options apply, then the checkpoint's {@code generation_config.json}.
 *
 * <pre>{@code
 * ChatResponse r = chatModel.call(new Prompt("Hi", NextinferChatOptions.builder().temperature(0.2).seed(42L).build()));
 * }</pre>
 */
public class NextinferChatOptions implements ToolCallingChatOptions {
    private final @Nullable String model;
    private final @Nullable Double frequencyPenalty;
    private final @Nullable Integer maxTokens;
    private final @Nullable Double presencePenalty;
    private final @Nullable List<String> stopSequences;
    private final @Nullable Double temperature;
    private final @Nullable Integer topK;
    private final @Nullable Double topP;
    private final @Nullable Long seed;
    private final @Nullable Double minP;
    private final @Nullable Double repetitionPenalty;
    private final @Nullable Boolean enableThinking;
    private final @Nullable Integer mtpDraftTokens;
    private final @Nullable List<ToolCallback> toolCallbacks;
    private final @Nullable Map<String, Object> toolContext;

    /** Every value; see {@link #builder()}. */
    protected NextinferChatOptions(@Nullable String model, @Nullable Double frequencyPenalty, @Nullable Integer maxTokens,
                                   @Nullable Double presencePenalty, @Nullable List<String> stopSequences,
                                   @Nullable Double temperature, @Nullable Integer topK, @Nullable Double topP,
                                   @Nullable Long seed, @Nullable Double minP, @Nullable Double repetitionPenalty,
                                   @Nullable Boolean enableThinking, @Nullable Integer mtpDraftTokens,
                                   @Nullable List<ToolCallback> toolCallbacks, @Nullable Map<String, Object> toolContext) {
        this.model = model;
        this.frequencyPenalty = frequencyPenalty;
        this.maxTokens = maxTokens;
        this.presencePenalty = presencePenalty;
        this.stopSequences = stopSequences == null ? null : List.copyOf(stopSequences);
        this.temperature = temperature;
        this.topK = topK;
        this.topP = topP;
        this.seed = seed;
        this.minP = minP;
        this.repetitionPenalty = repetitionPenalty;
        this.enableThinking = enableThinking;
        this.mtpDraftTokens = mtpDraftTokens;
        this.toolCallbacks = toolCallbacks == null ? null : List.copyOf(toolCallbacks);
        this.toolContext = toolContext == null ? null : Map.copyOf(toolContext);
    }

    /** A builder with nothing set. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * {@code runtime} over {@code defaults}: each value the runtime options set wins, the others come from the
     * defaults; tool callbacks are the runtime's if it has any, tool contexts are merged. Runtime options of
     * another class contribute Spring AI's portable values (and tools, for {@link ToolCallingChatOptions}).
     */
    public static NextinferChatOptions merge(NextinferChatOptions defaults, @Nullable ChatOptions runtime) {
        if (runtime == null) {
            return defaults;
        }
        Builder b = defaults.mutate();
        set(runtime.getModel(), b::model);
        set(runtime.getFrequencyPenalty(), b::frequencyPenalty);
        set(runtime.getMaxTokens(), b::maxTokens);
        set(runtime.getPresencePenalty(), b::presencePenalty);
        set(runtime.getStopSequences(), b::stopSequences);
        set(runtime.getTemperature(), b::temperature);
        set(runtime.getTopK(), b::topK);
        set(runtime.getTopP(), b::topP);
        if (runtime instanceof ToolCallingChatOptions t) {
            b.toolCallbacks(ToolCallingChatOptions.mergeToolCallbacks(t.getToolCallbacks(), defaults.getToolCallbacks()));
            b.toolContext(null).toolContext(ToolCallingChatOptions.mergeToolContext(t.getToolContext(), defaults.getToolContext()));
        }
        if (runtime instanceof NextinferChatOptions n) {
            set(n.seed, b::seed);
            set(n.minP, b::minP);
            set(n.repetitionPenalty, b::repetitionPenalty);
            set(n.enableThinking, b::enableThinking);
            set(n.mtpDraftTokens, b::mtpDraftTokens);
        }
        return b.build();
    }

    private static <T> void set(@Nullable T value, java.util.function.Consumer<T> setter) {
        if (value != null) {
            setter.accept(value);
        }
    }

    @Override
    public @Nullable String getModel() {
        return model;
    }

    @Override
    public @Nullable Double getFrequencyPenalty() {
        return frequencyPenalty;
    }

    @Override
    public @Nullable Integer getMaxTokens() {
        return maxTokens;
    }

    @Override
    public @Nullable Double getPresencePenalty() {
        return presencePenalty;
    }

    @Override
    public @Nullable List<String> getStopSequences() {
        return stopSequences;
    }

    @Override
    public @Nullable Double getTemperature() {
        return temperature;
    }

    @Override
    public @Nullable Integer getTopK() {
        return topK;
    }

    @Override
    public @Nullable Double getTopP() {
        return topP;
    }

    /** Seed of the sampler: the same seed gives the same tokens (null: random). */
    public @Nullable Long getSeed() {
        return seed;
    }

    /** Drops tokens below {@code minP × p_max} (0 = off). */
    public @Nullable Double getMinP() {
        return minP;
    }

    /** CTRL-style penalty on tokens already in the context (1 = off). */
    public @Nullable Double getRepetitionPenalty() {
        return repetitionPenalty;
    }

    /** The Qwen3 templates' {@code enable_thinking} switch (null: the template's default). */
    public @Nullable Boolean getEnableThinking() {
        return enableThinking;
    }

    /** Speculative decoding with the checkpoint's MTP head: draft tokens per step, 0 = off (1…4). */
    public @Nullable Integer getMtpDraftTokens() {
        return mtpDraftTokens;
    }

    @Override
    public @Nullable List<ToolCallback> getToolCallbacks() {
        return toolCallbacks;
    }

    @Override
    public @Nullable Map<String, Object> getToolContext() {
        return toolContext;
    }

    @Override
    public Builder mutate() {
        return builder().model(model).frequencyPenalty(frequencyPenalty).maxTokens(maxTokens)
                .presencePenalty(presencePenalty).stopSequences(stopSequences).temperature(temperature).topK(topK)
                .topP(topP).seed(seed).minP(minP).repetitionPenalty(repetitionPenalty).enableThinking(enableThinking)
                .mtpDraftTokens(mtpDraftTokens).toolCallbacks(toolCallbacks).toolContext(toolContext);
    }

    @Override
    public boolean equals(@Nullable Object o) {
        return o instanceof NextinferChatOptions that && Objects.equals(model, that.model)
                && Objects.equals(frequencyPenalty, that.frequencyPenalty) && Objects.equals(maxTokens, that.maxTokens)
                && Objects.equals(presencePenalty, that.presencePenalty) && Objects.equals(stopSequences, that.stopSequences)
                && Objects.equals(temperature, that.temperature) && Objects.equals(topK, that.topK)
                && Objects.equals(topP, that.topP) && Objects.equals(seed, that.seed) && Objects.equals(minP, that.minP)
                && Objects.equals(repetitionPenalty, that.repetitionPenalty)
                && Objects.equals(enableThinking, that.enableThinking) && Objects.equals(mtpDraftTokens, that.mtpDraftTokens)
                && Objects.equals(toolCallbacks, that.toolCallbacks) && Objects.equals(toolContext, that.toolContext);
    }

    @Override
    public int hashCode() {
        return Objects.hash(model, frequencyPenalty, maxTokens, presencePenalty, stopSequences, temperature, topK, topP,
                seed, minP, repetitionPenalty, enableThinking, mtpDraftTokens, toolCallbacks, toolContext);
    }

    @Override
    public String toString() {
        return "NextinferChatOptions{model=" + model + ", temperature=" + temperature + ", topP=" + topP + ", topK=" + topK
                + ", maxTokens=" + maxTokens + ", stopSequences=" + stopSequences + ", frequencyPenalty=" + frequencyPenalty
                + ", presencePenalty=" + presencePenalty + ", seed=" + seed + ", minP=" + minP + ", repetitionPenalty="
                + repetitionPenalty + ", enableThinking=" + enableThinking + ", mtpDraftTokens=" + mtpDraftTokens
                + ", toolCallbacks=" + (toolCallbacks == null ? 0 : toolCallbacks.size()) + "}";
    }

    /** The builder users get (no generic parameter to carry around). */
    public static class Builder extends AbstractBuilder<Builder> {
        /** A builder with nothing set. */
        public Builder() {
        }
    }

    /**
     * Builder of {@link NextinferChatOptions}, generic so that it can be extended; Spring AI's portable setters come
     * from {@link DefaultToolCallingChatOptions.Builder}.
     *
     * @param <B> the concrete builder
     */
    protected abstract static class AbstractBuilder<B extends AbstractBuilder<B>> extends DefaultToolCallingChatOptions.Builder<B> {
        /** Seed, or null. */
        protected @Nullable Long seed;
        /** Min-p, or null. */
        protected @Nullable Double minP;
        /** Repetition penalty, or null. */
        protected @Nullable Double repetitionPenalty;
        /** The thinking switch, or null. */
        protected @Nullable Boolean enableThinking;
        /** MTP draft tokens, or null. */
        protected @Nullable Integer mtpDraftTokens;

        /** For subclasses. */
        protected AbstractBuilder() {
        }

        /** Sampler seed; null = random. */
        public B seed(@Nullable Long seed) {
            this.seed = seed;
            return self();
        }

        /** Min-p; 0 = off. */
        public B minP(@Nullable Double minP) {
            this.minP = minP;
            return self();
        }

        /** Repetition penalty; 1 = off. */
        public B repetitionPenalty(@Nullable Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
            return self();
        }

        /** The template's {@code enable_thinking}; null = the template's default. */
        public B enableThinking(@Nullable Boolean enableThinking) {
            this.enableThinking = enableThinking;
            return self();
        }

        /** MTP draft tokens per step; 0 = off. */
        public B mtpDraftTokens(@Nullable Integer mtpDraftTokens) {
            this.mtpDraftTokens = mtpDraftTokens;
            return self();
        }

        /** Adds {@code other}'s values (Spring AI's contract: lists are appended, other values replaced). */
        @Override
        public B combineWith(ChatOptions.Builder<?> other) {
            super.combineWith(other);
            if (other instanceof AbstractBuilder<?> that) {
                seed = that.seed != null ? that.seed : seed;
                minP = that.minP != null ? that.minP : minP;
                repetitionPenalty = that.repetitionPenalty != null ? that.repetitionPenalty : repetitionPenalty;
                enableThinking = that.enableThinking != null ? that.enableThinking : enableThinking;
                mtpDraftTokens = that.mtpDraftTokens != null ? that.mtpDraftTokens : mtpDraftTokens;
            }
            return self();
        }

        @Override
        public NextinferChatOptions build() {
            return new NextinferChatOptions(model, frequencyPenalty, maxTokens, presencePenalty, stopSequences,
                    temperature, topK, topP, seed, minP, repetitionPenalty, enableThinking, mtpDraftTokens,
                    toolCallbacks, toolContext);
        }
    }
}
