package dev.nextinfer.langchain4j;

import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.spi.ServiceHelper;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.langchain4j.spi.NextinferStreamingChatModelBuilderFactory;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A LangChain4j {@link StreamingChatModel} running a Qwen3-Next checkpoint in-process with nextinfer.
 *
 * <pre>{@code
 * StreamingChatModel model = NextinferStreamingChatModel.builder().model(qwen3Next).build();
 * model.chat("Tell me a story", new StreamingChatResponseHandler() {
 *     public void onPartialResponse(String text) { System.out.print(text); }
 *     public void onCompleteResponse(ChatResponse response) { System.out.println(response.finishReason()); }
 *     public void onError(Throwable error) { error.printStackTrace(); }
 * });
 * }</pre>
 *
 * {@code chat} returns at once; the generation runs on the builder's {@code executor} (default: a new daemon
 * thread per request) and calls the handler from there: {@code onPartialResponse} for each piece of the answer,
 * {@code onPartialThinking} for reasoning (with {@code returnThinking(true)}), {@code onPartialToolCall} while a
 * tool call's arguments are written and {@code onCompleteToolCall} when it is complete, then
 * {@code onCompleteResponse} — or {@code onError}. The pieces concatenate to the final text. The
 * {@code StreamingHandle} of the partial callbacks' contexts cancels the generation; a cancelled stream delivers
 * nothing more (no {@code onCompleteResponse}), as LangChain4j specifies. Invalid requests throw from {@code chat}.
 */
public class NextinferStreamingChatModel implements StreamingChatModel, AutoCloseable {
    private final Backend backend;
    private final Executor executor;

    /** From a builder; see {@link #builder()}. */
    public NextinferStreamingChatModel(NextinferStreamingChatModelBuilder builder) {
        this.backend = builder.backend();
        this.executor = builder.executor != null ? builder.executor
                : task -> Thread.ofPlatform().daemon().name("nextinfer-langchain4j-stream").start(task);
    }

    /** A builder (a {@link NextinferStreamingChatModelBuilderFactory} found by the service loader supplies it, if any). */
    public static NextinferStreamingChatModelBuilder builder() {
        for (NextinferStreamingChatModelBuilderFactory f : ServiceHelper.loadFactories(NextinferStreamingChatModelBuilderFactory.class)) {
            return f.get();
        }
        return new NextinferStreamingChatModelBuilder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Turn turn = RequestMapper.toTurn(request, backend.base());
        Cancellation cancel = new Cancellation();
        StreamingBridge bridge = new StreamingBridge(handler, cancel, backend.returnThinking(), backend.runner().tokenizer());
        executor.execute(() -> run(turn, bridge, cancel, handler));
    }

    private void run(Turn turn, StreamingBridge bridge, Cancellation cancel, StreamingChatResponseHandler handler) {
        dev.nextinfer.core.ChatResponse r;
        try {
            r = backend.runner().run(turn, bridge, cancel);
        } catch (NextInferException e) {
            if (!cancel.isRequested()) {
                bridge.error(new InvalidRequestException(e.getMessage(), e));
            }
            return;
        } catch (RuntimeException | Error e) {
            if (!cancel.isRequested()) {
                bridge.error(e);
            }
            return;
        }
        if (!cancel.isRequested()) {
            bridge.deliver(() -> handler.onCompleteResponse(ResponseMapper.toLangChain4j(r, backend.modelName(),
                    backend.returnThinking(), bridge::idOf)));
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

    /** Closes the model if the builder loaded it (not while a stream runs). */
    @Override
    public void close() {
        backend.close();
    }

    /** Builder of {@link NextinferStreamingChatModel}; the shared settings are described in {@link NextinferModelBuilder}. */
    public static class NextinferStreamingChatModelBuilder extends NextinferModelBuilder<NextinferStreamingChatModelBuilder> {
        private Executor executor;

        /** A builder with nothing set (public so that it can be extended, as LangChain4j's builders are). */
        public NextinferStreamingChatModelBuilder() {
        }

        /** Where generations run (default: a new daemon thread per request). */
        public NextinferStreamingChatModelBuilder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /** Builds the model, loading the checkpoint if {@code modelPath} was given. */
        public NextinferStreamingChatModel build() {
            return new NextinferStreamingChatModel(this);
        }
    }
}
