package dev.nextinfer.core;

import dev.nextinfer.core.decode.TokenSink;
import dev.nextinfer.tokenizer.StreamingDecoder;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The text side of a session's generation, as the token loop's {@link TokenSink}: reports each token to the
 * listener, ends on stop tokens, turns tokens into text, cuts stop strings and passes the rest to the
 * {@link TextSink}; {@link #finish} flushes what was held back.
 */
final class GenerationText implements TokenSink {
    private final Set<Integer> stopIds;
    private final Set<Integer> configStopIds;
    private final StreamingDecoder detokenizer;
    private final StopStringFilter stopFilter;
    private final TextSink sink;
    private final GenerationListener listener;
    private final BooleanSupplier cancelRequested;

    GenerationText(Set<Integer> stopIds, GenerationConfig config, StreamingDecoder detokenizer, TextSink sink,
                   GenerationListener listener, BooleanSupplier cancelRequested) {
        this.stopIds = stopIds;
        this.configStopIds = config.stopTokenIds();
        this.detokenizer = detokenizer;
        this.stopFilter = new StopStringFilter(config.stopStrings());
        this.sink = sink;
        this.listener = listener;
        this.cancelRequested = cancelRequested;
    }

    @Override
    public boolean cancelled() {
        return cancelRequested.getAsBoolean();
    }

    /** False (stop) on a stop token (kept in the token list, not in the text) or a stop string its text completes. */
    @Override
    public boolean accept(int token) {
        listener.onToken(token);
        if (stopIds.contains(token) || configStopIds.contains(token)) {
            return false;
        }
        String text = detokenizer.push(token);
        if (!text.isEmpty()) {
            String out = stopFilter.accept(text);
            if (!out.isEmpty()) {
                sink.text(out);
            }
            if (stopFilter.stopped()) {
                return false;
            }
        }
        return true;
    }

    /** Flushes held-back text after the loop ended with {@code reason}; returns the generation's finish reason. */
    FinishReason finish(FinishReason reason) {
        if (!stopFilter.stopped()) {
            String out = stopFilter.accept(detokenizer.flush());
            if (!out.isEmpty()) {
                sink.text(out);
            }
            if (stopFilter.stopped()) {
                reason = FinishReason.STOP;
            } else {
                String rest = stopFilter.flush();
                if (!rest.isEmpty()) {
                    sink.text(rest);
                }
            }
        }
        sink.finish();
        return reason;
    }
}
