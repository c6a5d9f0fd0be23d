package dev.nextinfer.spring.ai.autoconfigure;

import dev.nextinfer.spring.ai.NextinferChatOptions;
import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code nextinfer.*} properties: the checkpoint to load ({@code nextinfer.model.*}) and the chat model's
 * defaults ({@code nextinfer.chat.*}). Only {@code nextinfer.model.path} is needed.
 *
 * <pre>
 * nextinfer.model.path=/models/Qwen3-Next-80B-A3B-Instruct
 * nextinfer.model.weights=q8_0
 * nextinfer.model.threads=16
 * nextinfer.chat.options.temperature=0.7
 * nextinfer.chat.options.max-tokens=512
 * </pre>
 */
@ConfigurationProperties(prefix = NextinferProperties.PREFIX)
public class NextinferProperties {
    /** The properties' prefix. */
    public static final String PREFIX = "nextinfer";

    private final Model model = new Model();
    private final Chat chat = new Chat();

    /** The checkpoint and how to load it. */
    public Model getModel() {
        return model;
    }

    /** The chat model. */
    public Chat getChat() {
        return chat;
    }

    /** {@code nextinfer.model.*}: the checkpoint and how to load it. */
    public static class Model {
        /** Checkpoint folder (config.json, safetensors, tokenizer files). Required: without it nothing is configured. */
        private @Nullable Path path;
        /** Compute format of the weights: f32, bf16, q8_0 or q4_0 (default: as stored). */
        private @Nullable String weights;
        /** Worker threads (default: one per core). */
        private int threads;
        /** Most positions per conversation (default: the model's max_position_embeddings). */
        private int contextLength;
        /** Model name reported in responses (default: the checkpoint folder's name). */
        private @Nullable String name;

        /** The checkpoint folder. */
        public @Nullable Path getPath() {
            return path;
        }

        /** Sets the checkpoint folder. */
        public void setPath(@Nullable Path path) {
            this.path = path;
        }

        /** The weights' compute format, or null for "as stored". */
        public @Nullable String getWeights() {
            return weights;
        }

        /** Sets the weights' compute format. */
        public void setWeights(@Nullable String weights) {
            this.weights = weights;
        }

        /** Worker threads; 0 = one per core. */
        public int getThreads() {
            return threads;
        }

        /** Sets the worker threads. */
        public void setThreads(int threads) {
            this.threads = threads;
        }

        /** Context length; 0 = the model's maximum. */
        public int getContextLength() {
            return contextLength;
        }

        /** Sets the context length. */
        public void setContextLength(int contextLength) {
            this.contextLength = contextLength;
        }

        /** The reported model name, or null for the folder's name. */
        public @Nullable String getName() {
            return name;
        }

        /** Sets the reported model name. */
        public void setName(@Nullable String name) {
            this.name = name;
        }
    }

    /** {@code nextinfer.chat.*}: the chat model. */
    public static class Chat {
        /** Whether to create the ChatModel bean. */
        private boolean enabled = true;
        /** Engine sessions kept between prompts for prefix reuse. */
        private int maxCachedSessions = 1;
        /** Default options of every prompt. */
        private final Options options = new Options();

        /** Whether the ChatModel bean is created. */
        public boolean isEnabled() {
            return enabled;
        }

        /** Sets whether the ChatModel bean is created. */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** Sessions kept between prompts. */
        public int getMaxCachedSessions() {
            return maxCachedSessions;
        }

        /** Sets the sessions kept between prompts. */
        public void setMaxCachedSessions(int maxCachedSessions) {
            this.maxCachedSessions = maxCachedSessions;
        }

        /** Default options. */
        public Options getOptions() {
            return options;
        }
    }

    /** {@code nextinfer.chat.options.*}: default options; unset ones keep the checkpoint's generation_config.json. */
    public static class Options {
        /** Sampling temperature; 0 = greedy. */
        private @Nullable Double temperature;
        /** Nucleus sampling; 1 = off. */
        private @Nullable Double topP;
        /** Top-k sampling; 0 = off. */
        private @Nullable Integer topK;
        /** Most tokens per answer (default: up to the end of the context). */
        private @Nullable Integer maxTokens;
        /** Stop sequences. */
        private @Nullable List<String> stop;
        /** Frequency penalty; 0 = off. */
        private @Nullable Double frequencyPenalty;
        /** Presence penalty; 0 = off. */
        private @Nullable Double presencePenalty;
        /** Sampler seed (default: random). */
        private @Nullable Long seed;
        /** Min-p; 0 = off. */
        private @Nullable Double minP;
        /** Repetition penalty; 1 = off. */
        private @Nullable Double repetitionPenalty;
        /** The Qwen3 templates' enable_thinking switch (default: the template's). */
        private @Nullable Boolean enableThinking;
        /** MTP speculative decoding: draft tokens per step, 0 = off. */
        private @Nullable Integer mtpDraftTokens;

        /** These values as chat options. */
        public NextinferChatOptions toChatOptions(@Nullable String model) {
            return NextinferChatOptions.builder().model(model).temperature(temperature).topP(topP).topK(topK)
                    .maxTokens(maxTokens).stopSequences(stop).frequencyPenalty(frequencyPenalty)
                    .presencePenalty(presencePenalty).seed(seed).minP(minP).repetitionPenalty(repetitionPenalty)
                    .enableThinking(enableThinking).mtpDraftTokens(mtpDraftTokens).build();
        }

        /** Temperature. */
        public @Nullable Double getTemperature() {
            return temperature;
        }

        /** Sets the temperature. */
        public void setTemperature(@Nullable Double temperature) {
            this.temperature = temperature;
        }

        /** Top-p. */
        public @Nullable Double getTopP() {
            return topP;
        }

        /** Sets top-p. */
        public void setTopP(@Nullable Double topP) {
            this.topP = topP;
        }

        /** Top-k. */
        public @Nullable Integer getTopK() {
            return topK;
        }

        /** Sets top-k. */
        public void setTopK(@Nullable Integer topK) {
            this.topK = topK;
        }

        /** Max tokens. */
        public @Nullable Integer getMaxTokens() {
            return maxTokens;
        }

        /** Sets max tokens. */
        public void setMaxTokens(@Nullable Integer maxTokens) {
            this.maxTokens = maxTokens;
        }

        /** Stop sequences. */
        public @Nullable List<String> getStop() {
            return stop;
        }

        /** Sets the stop sequences. */
        public void setStop(@Nullable List<String> stop) {
            this.stop = stop;
        }

        /** Frequency penalty. */
        public @Nullable Double getFrequencyPenalty() {
            return frequencyPenalty;
        }

        /** Sets the frequency penalty. */
        public void setFrequencyPenalty(@Nullable Double frequencyPenalty) {
            this.frequencyPenalty = frequencyPenalty;
        }

        /** Presence penalty. */
        public @Nullable Double getPresencePenalty() {
            return presencePenalty;
        }

        /** Sets the presence penalty. */
        public void setPresencePenalty(@Nullable Double presencePenalty) {
            this.presencePenalty = presencePenalty;
        }

        /** Seed. */
        public @Nullable Long getSeed() {
            return seed;
        }

        /** Sets the seed. */
        public void setSeed(@Nullable Long seed) {
            this.seed = seed;
        }

        /** Min-p. */
        public @Nullable Double getMinP() {
            return minP;
        }

        /** Sets min-p. */
        public void setMinP(@Nullable Double minP) {
            this.minP = minP;
        }

        /** Repetition penalty. */
        public @Nullable Double getRepetitionPenalty() {
            return repetitionPenalty;
        }

        /** Sets the repetition penalty. */
        public void setRepetitionPenalty(@Nullable Double repetitionPenalty) {
            this.repetitionPenalty = repetitionPenalty;
        }

        /** The thinking switch. */
        public @Nullable Boolean getEnableThinking() {
            return enableThinking;
        }

        /** Sets the thinking switch. */
        public void setEnableThinking(@Nullable Boolean enableThinking) {
            this.enableThinking = enableThinking;
        }

        /** MTP draft tokens. */
        public @Nullable Integer getMtpDraftTokens() {
            return mtpDraftTokens;
        }

        /** Sets the MTP draft tokens. */
        public void setMtpDraftTokens(@Nullable Integer mtpDraftTokens) {
            this.mtpDraftTokens = mtpDraftTokens;
        }
    }
}
