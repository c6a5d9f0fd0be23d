package dev.nextinfer.langchain4j;

import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.nextinfer.core.ChatPrompt;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.tokenizer.StreamingDecoder;
import dev.nextinfer.tokenizer.Tokenizer;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one generation's events into LangChain4j's streaming callbacks: content pieces, thinking pieces (when
 * asked for), partial tool calls (from the raw token stream, see {@link ToolCallStreamer}) and complete tool
 * calls, each with a {@link StreamingHandle} that cancels the generation. After cancellation nothing more is
 * delivered. As LangChain4j's helpers do, an exception thrown by a callback is passed to {@code onError} and the
 * stream goes on.
 */
final class StreamingBridge implements TurnListener, ToolCallStreamer.Sink {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingBridge.class);

    private final StreamingChatResponseHandler handler;
    private final Cancellation cancel;
    private final StreamingHandle handle;
    private final boolean returnThinking;
    private final StreamingDecoder decoder;
    private final Map<ToolCall, String> ids = new IdentityHashMap<>();
    private ToolCallStreamer tools;
    private int nextIndex;

    StreamingBridge(StreamingChatResponseHandler handler, Cancellation cancel, boolean returnThinking, Tokenizer tokenizer) {
        this.handler = handler;
        this.cancel = cancel;
        this.returnThinking = returnThinking;
        this.decoder = tokenizer.newStreamingDecoder(true);
        this.tools = new ToolCallStreamer(false, this);
        this.handle = new StreamingHandle() {
            @Override
            public void cancel() {
                cancel.cancel();
            }

            @Override
            public boolean isCancelled() {
                return cancel.isRequested();
            }
        };
    }

    /** The handle given with every callback. */
    StreamingHandle handle() {
        return handle;
    }

    /** The id reported for {@code call} (the id of its partial tool calls, if it had any). */
    String idOf(ToolCall call) {
        return ids.getOrDefault(call, call.id());
    }

    @Override
    public void onPrompt(ChatPrompt prompt) {
        tools = new ToolCallStreamer(prompt.opensThinking(), this);
    }

    @Override
    public void onToken(int tokenId) {
        if (!cancel.isRequested()) {
            tools.accept(decoder.push(tokenId));
        }
    }

    @Override
    public void onText(TextPiece piece) {
        if (cancel.isRequested()) {
            return;
        }
        if (!piece.isReasoning()) {
            deliver(() -> handler.onPartialResponse(new PartialResponse(piece.text()), new PartialResponseContext(handle)));
        } else if (returnThinking) {
            deliver(() -> handler.onPartialThinking(new PartialThinking(piece.text()), new PartialThinkingContext(handle)));
        }
    }

    @Override
    public void onToolCall(ToolCall call) {
        ToolCallStreamer.Started streamed = tools.claim(call.name());
        int index = streamed != null ? streamed.index() : nextIndex++;
        String id = streamed != null ? streamed.id() : call.id();
        ids.put(call, id);
        if (!cancel.isRequested()) {
            deliver(() -> handler.onCompleteToolCall(new CompleteToolCall(index, ResponseMapper.toRequest(call, id))));
        }
    }

    @Override
    public ToolCallStreamer.Started started(String name) {
        return new ToolCallStreamer.Started(nextIndex++, newId(), name);
    }

    @Override
    public void arguments(ToolCallStreamer.Started call, String piece) {
        if (!cancel.isRequested()) {
            PartialToolCall partial = PartialToolCall.builder().index(call.index()).id(call.id()).name(call.name())
                    .partialArguments(piece).build();
            deliver(() -> handler.onPartialToolCall(partial, new PartialToolCallContext(handle)));
        }
    }

    /** Runs a callback; its exception goes to {@code onError} (whose own exception is logged). */
    void deliver(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            error(e);
        }
    }

    /** {@code onError}, logging what it throws. */
    void error(Throwable t) {
        try {
            handler.onError(t);
        } catch (RuntimeException e) {
            LOG.warn("StreamingChatResponseHandler.onError threw; ignored", e);
        }
    }

    private static String newId() {
        return "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
