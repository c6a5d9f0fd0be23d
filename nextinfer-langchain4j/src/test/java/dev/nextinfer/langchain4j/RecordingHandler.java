package dev.nextinfer.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialThinking;
import dev.langchain4j.model.chat.response.PartialThinkingContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Records every streaming callback; {@link #await()} waits for the complete response or an error. */
class RecordingHandler implements StreamingChatResponseHandler {
    final List<String> pieces = new CopyOnWriteArrayList<>();
    final List<String> thinking = new CopyOnWriteArrayList<>();
    final List<PartialToolCall> partialToolCalls = new CopyOnWriteArrayList<>();
    final List<CompleteToolCall> completeToolCalls = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    volatile ChatResponse complete;
    volatile Consumer<PartialResponseContext> onPiece = c -> { };
    final CountDownLatch done = new CountDownLatch(1);

    @Override
    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
        pieces.add(partial.text());
        events.add("text");
        onPiece.accept(context);
    }

    @Override
    public void onPartialThinking(PartialThinking partial, PartialThinkingContext context) {
        thinking.add(partial.text());
        events.add("thinking");
    }

    @Override
    public void onPartialToolCall(PartialToolCall partial, PartialToolCallContext context) {
        partialToolCalls.add(partial);
        events.add("partialToolCall");
    }

    @Override
    public void onCompleteToolCall(CompleteToolCall call) {
        completeToolCalls.add(call);
        events.add("completeToolCall");
    }

    @Override
    public void onCompleteResponse(ChatResponse response) {
        complete = response;
        events.add("complete");
        done.countDown();
    }

    @Override
    public void onError(Throwable error) {
        errors.add(error);
        events.add("error");
        done.countDown();
    }

    /** Waits up to a minute for the end; fails on an error. */
    ChatResponse await() throws InterruptedException {
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("no complete response within 60 s; events " + events);
        }
        if (!errors.isEmpty()) {
            throw new AssertionError("stream failed", errors.getFirst());
        }
        return complete;
    }

    String text() {
        return String.join("", pieces);
    }
}
