package dev.nextinfer.core;

import dev.nextinfer.core.decode.Decoder;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.Consumer;

/**
 * The tests' window on the logits a session samples from, through the session's package-private decoder seam
 * ({@link Session#run} with a {@link Decoder}): a generation like {@link Session#generate(int[], GenerationConfig,
 * GenerationListener)} whose plain decoder shows every logits row to an observer before it samples from it.
 */
final class LogitsSpy {
    private static final Map<Session, float[]> LAST_PROMPT_LOGITS = Collections.synchronizedMap(new WeakHashMap<>());

    private LogitsSpy() {
    }

    /** Generates on {@code s}, noting the logits after the prompt ({@link #lastPromptLogits}). */
    static GenerationResult generate(Session s, int[] prompt, GenerationConfig cfg) {
        return generate(s, prompt, cfg, l -> { });
    }

    /** Generates on {@code s}, showing {@code observer} every logits row a token is sampled from. */
    static GenerationResult generate(Session s, int[] prompt, GenerationConfig cfg, Consumer<float[]> observer) {
        GenerationListener listener = GenerationListener.NONE;
        TextSink.Raw sink = new TextSink.Raw(listener);
        Session.Outcome o = s.run(prompt, cfg, observingPlain(s, observer), sink, listener, null);
        return new GenerationResult(sink.result(), o.finishReason(), o.tokens(), o.usage());
    }

    /** The logits after the last prompt token of the latest generation through this class on {@code s}. */
    static float[] lastPromptLogits(Session s) {
        return LAST_PROMPT_LOGITS.get(s);
    }

    /** Plain decoding ({@code Decoders.plain()}: sample, emit, feed back), each row observed before it is sampled. */
    private static Decoder observingPlain(Session s, Consumer<float[]> observer) {
        return ctx -> {
            float[] logits = ctx.promptLogits();
            LAST_PROMPT_LOGITS.put(s, logits);
            while (true) {
                observer.accept(logits);
                if (!ctx.emit(ctx.sample(logits))) {
                    return;
                }
                logits = ctx.forward(ctx.lastToken());
            }
        };
    }
}
