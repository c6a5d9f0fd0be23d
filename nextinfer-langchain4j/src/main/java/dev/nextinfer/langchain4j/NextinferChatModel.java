package dev.nextinfer.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.spi.ServiceHelper;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.langchain4j.spi.NextinferChatModelBuilderFactory;
import java.util.List;

/**
 * A LangChain4j {@link ChatModel} running a Qwen3-Next checkpoint in-process with nextinfer.
 *
 * <pre>{@code
 * ChatModel model = NextinferChatModel.builder()
 *         .modelPath(Path.of("/models/Qwen3-Next-80B-A3B-Instruct"))
 *         .maxTokens(200)
 *         .build();
 * String answer = model.chat("Explain the delta rule in one sentence.");
 * }</pre>
 *
 * Messages go through the checkpoint's chat template (tool specifications included); tool calls come back as
 * {@code ToolExecutionRequest}s with finish reason {@code TOOL_EXECUTION}. {@link #chat} blocks until the answer is
 * complete; interrupting the calling thread stops the generation (finish reason {@code OTHER}). Thread-safe:
 * concurrent requests run on their own engine sessions. {@link #close()} releases the model if the builder loaded
 * it ({@code modelPath}); a model passed with {@code model(…)} stays open.
 */
public class NextinferChatModel implements ChatModel, AutoCloseable {
    private final Backend backend;

    /** From a builder; see {@link #builder()}. */
    public NextinferChatModel(NextinferChatModelBuilder builder) {
        this.backend = builder.backend();
    }

    /** A builder (a {@link NextinferChatModelBuilderFactory} found by the service loader supplies it, if any). */
    public static NextinferChatModelBuilder builder() {
        for (NextinferChatModelBuilderFactory factory : ServiceHelper.loadFactories(NextinferChatModelBuilderFactory.class)) {
            return factory.get();
        }
        return new NextinferChatModelBuilder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        Turn turn = RequestMapper.toTurn(request, backend.base());
        Cancellation cancel = new Cancellation();
        TurnListener onInterrupt = new TurnListener() {
            @Override
            public void onText(TextPiece piece) {
            }

            @Override
            public void onToken(int tokenId) {
                if (Thread.currentThread().isInterrupted()) {
                    cancel.cancel();
                }
            }
        };
        try {
            dev.nextinfer.core.ChatResponse r = backend.runner().run(turn, onInterrupt, cancel);
            return ResponseMapper.toLangChain4j(r, backend.modelName(), backend.returnThinking(), dev.nextinfer.core.ToolCall::id);
        } catch (NextInferException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }

    @Override
    public ChatRequestParameters defaultRequestParameters() {
        return backend.defaults();
    }

    @Override
    public List<ChatModelListener> listeners() {
        return backend.listeners();
    }

    /** Closes the model if the builder loaded it. */
    @Override
    public void close() {
        backend.close();
    }

    /** Builder of {@link NextinferChatModel}; the settings are described in {@link NextinferModelBuilder}. */
    public static class NextinferChatModelBuilder extends NextinferModelBuilder<NextinferChatModelBuilder> {

        /** A builder with nothing set (public so that it can be extended, as LangChain4j's builders are). */
        public NextinferChatModelBuilder() {
        }

        /** Builds the model, loading the checkpoint if {@code modelPath} was given. */
        public NextinferChatModel build() {
            return new NextinferChatModel(this);
        }
    }
}
