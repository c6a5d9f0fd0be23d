package dev.nextinfer.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.weights.WeightFormat;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@link NextinferChatModel.NextinferChatModelBuilder} and
 * {@link NextinferStreamingChatModel.NextinferStreamingChatModelBuilder} share: the model (a checkpoint folder to
 * load, or an already loaded {@link Qwen3Next} to share between several LangChain4j models), load options, default
 * sampling and the LangChain4j conventions ({@code defaultRequestParameters}, {@code listeners}).
 *
 * <p>Defaults, from weakest to strongest: the checkpoint's {@code generation_config.json} (Qwen's recommended
 * temperature, top-k, top-p), then {@link #defaultRequestParameters}, then the single-value setters
 * ({@link #temperature} …), then each request's own parameters. No {@code maxTokens}: up to the end of the context.
 *
 * @param <B> the concrete builder
 */
public abstract class NextinferModelBuilder<B extends NextinferModelBuilder<B>> {
    private Path modelPath;
    private Qwen3Next model;
    private WeightFormat weights;
    private Integer threads;
    private Integer contextLength;
    private String modelName;
    private Double temperature;
    private Double topP;
    private Integer topK;
    private Integer maxTokens;
    private List<String> stop;
    private Double frequencyPenalty;
    private Double presencePenalty;
    private Long seed;
    private Double minP;
    private Double repetitionPenalty;
    private Boolean enableThinking;
    private ChatRequestParameters defaultRequestParameters;
    private Boolean returnThinking;
    private List<ChatModelListener> listeners = List.of();
    private Integer maxCachedSessions;
    private TurnRunner runner;

    /** For subclasses. */
    protected NextinferModelBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** A checkpoint folder to load when building ({@code config.json}, safetensors, tokenizer files). */
    public B modelPath(Path modelPath) {
        this.modelPath = modelPath;
        return self();
    }

    /** An already loaded model, shared (not closed by the LangChain4j model). Excludes {@link #modelPath}. */
    public B model(Qwen3Next model) {
        this.model = model;
        return self();
    }

    /** With {@link #modelPath}: the compute format of the weights (null: as stored). */
    public B weights(WeightFormat weights) {
        this.weights = weights;
        return self();
    }

    /** With {@link #modelPath}: worker threads (null or 0: one per core). */
    public B threads(Integer threads) {
        this.threads = threads;
        return self();
    }

    /** With {@link #modelPath}: most positions per conversation (null or 0: the model's maximum). */
    public B contextLength(Integer contextLength) {
        this.contextLength = contextLength;
        return self();
    }

    /** The model name reported in responses (default: the checkpoint folder's name). */
    public B modelName(String modelName) {
        this.modelName = modelName;
        return self();
    }

    /** Sampling temperature; 0 = greedy. */
    public B temperature(Double temperature) {
        this.temperature = temperature;
        return self();
    }

    /** Nucleus sampling; 1 = off. */
    public B topP(Double topP) {
        this.topP = topP;
        return self();
    }

    /** Top-k sampling; 0 = off. */
    public B topK(Integer topK) {
        this.topK = topK;
        return self();
    }

    /** Most tokens per answer (null: up to the end of the context). */
    public B maxTokens(Integer maxTokens) {
        this.maxTokens = maxTokens;
        return self();
    }

    /** Stop sequences: generation ends before them (they are never emitted). */
    public B stop(List<String> stop) {
        this.stop = stop;
        return self();
    }

    /** OpenAI's frequency penalty; 0 = off. */
    public B frequencyPenalty(Double frequencyPenalty) {
        this.frequencyPenalty = frequencyPenalty;
        return self();
    }

    /** OpenAI's presence penalty; 0 = off. */
    public B presencePenalty(Double presencePenalty) {
        this.presencePenalty = presencePenalty;
        return self();
    }

    /** Sampler seed; null = random. */
    public B seed(Long seed) {
        this.seed = seed;
        return self();
    }

    /** Min-p; 0 = off. */
    public B minP(Double minP) {
        this.minP = minP;
        return self();
    }

    /** Repetition penalty; 1 = off. */
    public B repetitionPenalty(Double repetitionPenalty) {
        this.repetitionPenalty = repetitionPenalty;
        return self();
    }

    /** The Qwen3 templates' {@code enable_thinking} (null: the template's default). */
    public B enableThinking(Boolean enableThinking) {
        this.enableThinking = enableThinking;
        return self();
    }

    /** Default parameters of every request (a {@link NextinferChatRequestParameters} may set nextinfer's own). */
    public B defaultRequestParameters(ChatRequestParameters parameters) {
        this.defaultRequestParameters = parameters;
        return self();
    }

    /**
     * Whether the model's reasoning ({@code <think>…</think>}) is returned in {@code AiMessage.thinking()} and
     * streamed to {@code onPartialThinking} (default false, as in LangChain4j's other providers).
     */
    public B returnThinking(Boolean returnThinking) {
        this.returnThinking = returnThinking;
        return self();
    }

    /** Listeners told of every request, response and error. */
    public B listeners(List<ChatModelListener> listeners) {
        this.listeners = listeners == null ? List.of() : listeners;
        return self();
    }

    /** Listeners told of every request, response and error. */
    public B listeners(ChatModelListener... listeners) {
        return listeners(List.of(listeners));
    }

    /**
     * Engine sessions kept between requests for prefix reuse (default 1: a conversation that grows by a turn only
     * computes the new turn). Each holds a KV cache and state snapshots; concurrent requests use more while they run.
     */
    public B maxCachedSessions(Integer maxCachedSessions) {
        this.maxCachedSessions = maxCachedSessions;
        return self();
    }

    /** Tests: runs turns on a stand-in instead of a model. */
    B runner(TurnRunner runner) {
        this.runner = runner;
        return self();
    }

    /** Loads the model if asked, and resolves the defaults. */
    Backend backend() {
        if (model != null && modelPath != null) {
            throw new IllegalArgumentException("set either modelPath or model, not both");
        }
        Qwen3Next owned = null;
        Qwen3Next m = model;
        if (m == null && modelPath != null) {
            owned = Qwen3Next.load(modelPath, LoadOptions.builder().weights(weights)
                    .threads(threads == null ? 0 : threads)
                    .contextLength(contextLength == null ? 0 : contextLength).build());
            m = owned;
        }
        if (m == null && runner == null) {
            throw new IllegalArgumentException("modelPath or model is required");
        }
        try {
            GenerationConfig base = m != null ? m.generationDefaults() : GenerationConfig.greedy();
            String name = modelName != null ? modelName
                    : m != null && m.dir().getFileName() != null ? m.dir().getFileName().toString() : "nextinfer";
            NextinferChatRequestParameters defaults = resolveDefaults(base, name);
            RequestMapper.config(defaults, base); // refuse bad defaults now rather than at the first request
            int sessions = maxCachedSessions == null ? 1 : maxCachedSessions;
            if (sessions < 0) {
                throw new IllegalArgumentException("maxCachedSessions must be ≥ 0, got " + sessions);
            }
            TurnRunner r = runner != null ? runner : new EngineTurnRunner(m, sessions);
            return new Backend(r, base, defaults, name, listeners, Boolean.TRUE.equals(returnThinking), owned);
        } catch (RuntimeException e) {
            if (owned != null) {
                owned.close();
            }
            throw e;
        }
    }

    private NextinferChatRequestParameters resolveDefaults(GenerationConfig base, String name) {
        NextinferChatRequestParameters checkpoint = NextinferChatRequestParameters.builder()
                .modelName(name)
                .temperature(base.temperature())
                .topP(base.topP())
                .topK(base.topK())
                .frequencyPenalty(base.frequencyPenalty())
                .presencePenalty(base.presencePenalty())
                .minP(base.minP())
                .repetitionPenalty(base.repetitionPenalty())
                .build();
        NextinferChatRequestParameters explicit = NextinferChatRequestParameters.builder()
                .modelName(modelName)
                .temperature(temperature)
                .topP(topP)
                .topK(topK)
                .maxOutputTokens(maxTokens)
                .stopSequences(stop)
                .frequencyPenalty(frequencyPenalty)
                .presencePenalty(presencePenalty)
                .seed(seed)
                .minP(minP)
                .repetitionPenalty(repetitionPenalty)
                .enableThinking(enableThinking)
                .build();
        NextinferChatRequestParameters merged = checkpoint;
        if (defaultRequestParameters != null) {
            merged = merged.overrideWith(defaultRequestParameters);
        }
        return merged.overrideWith(explicit);
    }
}
