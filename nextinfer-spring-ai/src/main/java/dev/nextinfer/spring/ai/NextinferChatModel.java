package dev.nextinfer.spring.ai;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.MessageAggregator;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import reactor.core.publisher.Flux;

/**
 * A Spring AI {@link ChatModel} (and {@code StreamingChatModel}) running a Qwen3-Next checkpoint in-process with
 * nextinfer. With the Spring Boot starter, {@code nextinfer.model.path} is all it takes to get one injected.
 *
 * <pre>{@code
 * ChatModel chatModel = NextinferChatModel.builder().model(Qwen3Next.load(dir, LoadOptions.defaults())).build();
 * String answer = chatModel.call("Explain the delta rule in one sentence.");
 * }</pre>
 *
 * <ul>
 *   <li>{@link #call} generates the whole answer on the calling thread (interrupting it stops the generation,
 *       finish reason {@code CANCELLED}); {@link #stream} returns a cold {@code Flux}: one {@code ChatResponse}
 *       per text piece, one per complete tool call, then one with the finish reason and usage; cancelling the
 *       subscription stops the generation.</li>
 *   <li>Tools: the {@link ToolCallingManager} resolves the options' tool callbacks to definitions, which the chat
 *       template offers to the model; tool calls come back as {@code AssistantMessage.ToolCall}s (finish reason
 *       {@code TOOL_CALLS}). As with Spring AI 2's own models, executing them is the caller's part: a
 *       {@code ChatClient} does it with its tool-calling advisor, through the same manager.</li>
 *   <li>Reasoning ({@code <think>…</think>}) is in the assistant message's {@code reasoningContent} property.</li>
 * </ul>
 *
 * Thread-safe: concurrent prompts run on their own engine sessions. The model passed to the builder is shared,
 * never closed here.
 */
public class NextinferChatModel implements ChatModel {
    private static final String PROVIDER = "nextinfer";
    private static final ChatModelObservationConvention DEFAULT_CONVENTION = new DefaultChatModelObservationConvention();

    private final TurnRunner runner;
    private final GenerationConfig base;
    private final NextinferChatOptions defaultOptions;
    private final String modelName; // reported in responses: the checkpoint folder's name or the default options' model
    private final ToolCallingManager toolCallingManager;
    private final ObservationRegistry observationRegistry;
    private final Executor executor;
    private @Nullable ChatModelObservationConvention observationConvention;

    private NextinferChatModel(Builder b) {
        if (b.model == null && b.runner == null) {
            throw new IllegalArgumentException("model is required");
        }
        this.base = b.model != null ? b.model.generationDefaults() : GenerationConfig.greedy();
        String name = b.model != null && b.model.dir().getFileName() != null ? b.model.dir().getFileName().toString() : PROVIDER;
        NextinferChatOptions checkpoint = NextinferChatOptions.builder().model(name).temperature(base.temperature())
                .topP(base.topP()).topK(base.topK()).frequencyPenalty(base.frequencyPenalty())
                .presencePenalty(base.presencePenalty()).minP(base.minP()).repetitionPenalty(base.repetitionPenalty())
                .build();
        this.defaultOptions = NextinferChatOptions.merge(checkpoint, b.defaultOptions);
        this.modelName = defaultOptions.getModel() != null ? defaultOptions.getModel() : PROVIDER;
        OptionsMapper.config(defaultOptions, base); // refuse bad defaults now rather than at the first prompt
        if (b.maxCachedSessions < 0) {
            throw new IllegalArgumentException("maxCachedSessions must be ≥ 0, got " + b.maxCachedSessions);
        }
        this.runner = b.runner != null ? b.runner : new EngineTurnRunner(b.model, b.maxCachedSessions);
        this.toolCallingManager = b.toolCallingManager != null ? b.toolCallingManager : ToolCallingManager.builder().build();
        this.observationRegistry = b.observationRegistry;
        this.executor = b.executor != null ? b.executor
                : task -> Thread.ofPlatform().daemon().name("nextinfer-spring-ai-stream").start(task);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default options: the builder's, over the checkpoint's recommended sampling ({@code generation_config.json}).
     * {@code ChatClient} starts every request from these ({@code getOptions().mutate()}).
     */
    @Override
    public NextinferChatOptions getOptions() {
        return defaultOptions;
    }

    /** Use the given convention for the observations of this model. */
    public void setObservationConvention(ChatModelObservationConvention convention) {
        this.observationConvention = convention;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        NextinferChatOptions options = NextinferChatOptions.merge(defaultOptions, prompt.getOptions());
        Prompt request = new Prompt(prompt.getInstructions(), options);
        Turn turn = OptionsMapper.toTurn(request, options, base, toolCallingManager);
        ChatModelObservationContext context = ChatModelObservationContext.builder().prompt(request).provider(PROVIDER).build();
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry)
                .observe(() -> {
                    Cancellation cancel = new Cancellation();
                    dev.nextinfer.core.ChatResponse r = runner.run(turn, new GenerationListener() {
                        @Override
                        public void onText(TextPiece piece) {
                        }

                        @Override
                        public void onToken(int tokenId) {
                            if (Thread.currentThread().isInterrupted()) {
                                cancel.cancel();
                            }
                        }
                    }, cancel);
                    ChatResponse response = ResponseMapper.whole(r, modelName);
                    context.setResponse(response);
                    return response;
                });
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.defer(() -> {
            NextinferChatOptions options = NextinferChatOptions.merge(defaultOptions, prompt.getOptions());
            Prompt request = new Prompt(prompt.getInstructions(), options);
            Turn turn = OptionsMapper.toTurn(request, options, base, toolCallingManager);
            ChatModelObservationContext context = ChatModelObservationContext.builder().prompt(request)
                    .provider(PROVIDER).streaming(true).build();
            Observation observation = ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                    .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry);
            observation.start();
            Flux<ChatResponse> chunks = Flux.<ChatResponse>create(sink -> {
                Cancellation cancel = new Cancellation();
                sink.onCancel(cancel::cancel);
                executor.execute(() -> {
                    try {
                        dev.nextinfer.core.ChatResponse r = runner.run(turn, new GenerationListener() {
                            @Override
                            public void onText(TextPiece piece) {
                                if (!cancel.isRequested()) {
                                    sink.next(piece.isReasoning() ? ResponseMapper.reasoning(piece.text(), modelName)
                                            : ResponseMapper.text(piece.text(), modelName));
                                }
                            }

                            @Override
                            public void onToolCall(ToolCall call) {
                                if (!cancel.isRequested()) {
                                    sink.next(ResponseMapper.toolCall(call, modelName));
                                }
                            }
                        }, cancel);
                        if (!cancel.isRequested()) {
                            sink.next(ResponseMapper.last(r, modelName));
                        }
                        sink.complete();
                    } catch (Throwable e) {
                        sink.error(e);
                    }
                });
            }).doOnError(observation::error).doFinally(s -> observation.stop());
            return new MessageAggregator().aggregate(chunks, context::setResponse);
        });
    }

    /** Builder of {@link NextinferChatModel}. */
    public static final class Builder {
        private @Nullable Qwen3Next model;
        private @Nullable NextinferChatOptions defaultOptions;
        private @Nullable ToolCallingManager toolCallingManager;
        private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
        private @Nullable Executor executor;
        private int maxCachedSessions = 1;
        private @Nullable TurnRunner runner;

        private Builder() {
        }

        /** The loaded checkpoint (required; shared, not closed by the chat model). */
        public Builder model(Qwen3Next model) {
            this.model = model;
            return this;
        }

        /** Default options of every prompt (a prompt's own options win value by value). */
        public Builder defaultOptions(@Nullable NextinferChatOptions defaultOptions) {
            this.defaultOptions = defaultOptions;
            return this;
        }

        /** Resolves the options' tool callbacks to the definitions offered to the model (default: Spring AI's). */
        public Builder toolCallingManager(@Nullable ToolCallingManager toolCallingManager) {
            this.toolCallingManager = toolCallingManager;
            return this;
        }

        /** Where observations go (default: none). */
        public Builder observationRegistry(ObservationRegistry observationRegistry) {
            this.observationRegistry = observationRegistry == null ? ObservationRegistry.NOOP : observationRegistry;
            return this;
        }

        /** Where streamed generations run (default: a new daemon thread per stream). */
        public Builder executor(@Nullable Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * Engine sessions kept between prompts for prefix reuse (default 1: a conversation that grows by a turn
         * only computes the new turn). Each holds a KV cache and state snapshots.
         */
        public Builder maxCachedSessions(int maxCachedSessions) {
            this.maxCachedSessions = maxCachedSessions;
            return this;
        }

        /** Tests: runs turns on a stand-in instead of a model. */
        Builder runner(TurnRunner runner) {
            this.runner = runner;
            return this;
        }

        /** The chat model. */
        public NextinferChatModel build() {
            return new NextinferChatModel(this);
        }
    }
}
