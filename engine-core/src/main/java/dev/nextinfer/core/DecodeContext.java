package dev.nextinfer.core;

import dev.nextinfer.core.model.DecodeBatcher;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.sampling.Sampler;
import dev.nextinfer.tokenizer.StreamingDecoder;
import java.util.Arrays;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * What a {@link Decoder} works with during one generation: the model, the sequence state (prompt already
 * consumed), the sampler, and {@link #emit}, which turns committed tokens into text, applies stop tokens, stop
 * strings, the token limit and cancellation, and says when to stop. Used by one thread.
 */
public final class DecodeContext {
    private final Qwen3NextModel model;
    private final DecodeBatcher batcher;
    private final SequenceState state;
    private final GenerationConfig config;
    private final Sampler sampler;
    private final Set<Integer> stopIds;
    private final StreamingDecoder detokenizer;
    private final StopStringFilter stopFilter;
    private final TextSink sink;
    private final GenerationListener listener;
    private final BooleanSupplier cancelRequested;
    private final int promptLength;
    private int[] context;
    private int contextLength;
    private int[] generated = new int[16];
    private int generatedCount;
    private float[] promptLogits;
    private float[] stateLogits;
    private int stateLogitsPosition = -1;
    private long computedTokens;
    private int drafted;
    private int accepted;
    private FinishReason finishReason;
    private int[] consumedPastEmitted = new int[0];
    java.util.function.Consumer<float[]> logitsObserver; // tests: every logits row sampled from

    DecodeContext(Qwen3NextModel model, DecodeBatcher batcher, SequenceState state, GenerationConfig config, int[] prompt,
                  Set<Integer> stopIds, StreamingDecoder detokenizer, TextSink sink, GenerationListener listener,
                  BooleanSupplier cancelRequested) {
        this.model = model;
        this.batcher = batcher;
        this.state = state;
        this.config = config;
        this.sampler = new Sampler(config);
        this.stopIds = stopIds;
        this.detokenizer = detokenizer;
        this.stopFilter = new StopStringFilter(config.stopStrings());
        this.sink = sink;
        this.listener = listener;
        this.cancelRequested = cancelRequested;
        this.promptLength = prompt.length;
        this.context = Arrays.copyOf(prompt, prompt.length + Math.min(config.maxTokens(), 1 << 16));
        this.contextLength = prompt.length;
    }

    /** The model. */
    public Qwen3NextModel model() {
        return model;
    }

    /** The sequence state; it has consumed the prompt when {@link Decoder#decode} starts. */
    public SequenceState state() {
        return state;
    }

    /** The generation settings. */
    public GenerationConfig config() {
        return config;
    }

    /** This generation's sampler (seeded from the config). */
    public Sampler sampler() {
        return sampler;
    }

    /** Number of prompt tokens. */
    public int promptLength() {
        return promptLength;
    }

    /** The logits after the last prompt token. */
    public float[] promptLogits() {
        return promptLogits;
    }

    /** Prompt followed by the tokens emitted so far (a copy). */
    public int[] context() {
        return Arrays.copyOf(context, contextLength);
    }

    /** Tokens emitted so far (a copy). */
    public int[] generated() {
        return Arrays.copyOf(generated, generatedCount);
    }

    /** Number of tokens emitted so far. */
    public int generatedCount() {
        return generatedCount;
    }

    /** The last emitted token. */
    public int lastToken() {
        if (generatedCount == 0) {
            throw new IllegalStateException("no token emitted yet");
        }
        return generated[generatedCount - 1];
    }

    /** Picks the next token from {@code logits} with the penalties of the current context. */
    public int sample(float[] logits) {
        if (logitsObserver != null) {
            logitsObserver.accept(logits);
        }
        return sampler.next(logits, context, contextLength, generated, generatedCount);
    }

    /**
     * Runs one token through the model (continuing the state) and returns the logits after it. The step goes through
     * the model's {@link DecodeBatcher}: it shares a forward pass with other sessions' steps waiting at the same time,
     * with the same result as running alone.
     */
    public float[] forward(int token) {
        float[] logits = batcher.step(state, token);
        computedTokens++;
        noteStateLogits(logits);
        return logits;
    }

    /**
     * Records that {@code logits} are the model's output after the state's current last position, so a later
     * call whose prompt is exactly the consumed tokens can reuse them. Decoders that call the model directly may
     * call this; otherwise such a call recomputes the last token.
     */
    public void noteStateLogits(float[] logits) {
        stateLogits = logits;
        stateLogitsPosition = state.position();
    }

    /**
     * Records that the state consumed {@code tokens} after the last emitted token — a speculative round whose
     * accepted drafts run past the point where generation stopped (a stop string, a stop token, cancellation). The
     * session then knows exactly what the state holds.
     */
    public void consumedPastEmitted(int[] tokens) {
        consumedPastEmitted = tokens.clone();
    }

    int[] consumedPastEmitted() {
        return consumedPastEmitted;
    }

    /** Adds to the count of tokens run through the main model (for decoders that call it directly). */
    public void addComputedTokens(int n) {
        computedTokens += n;
    }

    /** Speculative decoding statistics: {@code drafted} tokens proposed, {@code accepted} of them kept. */
    public void recordSpeculation(int drafted, int accepted) {
        this.drafted += drafted;
        this.accepted += accepted;
    }

    /** Whether cancellation was requested ({@link #emit} checks this too). */
    public boolean cancelRequested() {
        return cancelRequested.getAsBoolean();
    }

    /** Whether the generation has ended. */
    public boolean finished() {
        return finishReason != null;
    }

    /**
     * Commits the next generated token. Returns whether to go on; false when the generation has ended: a
     * cancellation request (checked first; the token is then dropped), a stop token (kept in the token list, not in
     * the text), a stop string completed by the token's text, or the token limit reached.
     */
    public boolean emit(int token) {
        if (finishReason != null) {
            return false;
        }
        if (cancelRequested.getAsBoolean()) {
            finishReason = FinishReason.CANCELLED;
            return false;
        }
        if (contextLength == context.length) {
            context = Arrays.copyOf(context, context.length * 2);
        }
        if (generatedCount == generated.length) {
            generated = Arrays.copyOf(generated, generated.length * 2);
        }
        context[contextLength++] = token;
        generated[generatedCount++] = token;
        listener.onToken(token);
        if (stopIds.contains(token) || config.stopTokenIds().contains(token)) {
            finishReason = FinishReason.STOP;
            return false;
        }
        String text = detokenizer.push(token);
        if (!text.isEmpty()) {
            String out = stopFilter.accept(text);
            if (!out.isEmpty()) {
                sink.text(out);
            }
            if (stopFilter.stopped()) {
                finishReason = FinishReason.STOP;
                return false;
            }
        }
        if (generatedCount >= config.maxTokens()) {
            finishReason = FinishReason.LENGTH;
            return false;
        }
        return true;
    }

    // ---- used by Session

    void setPromptLogits(float[] logits) {
        promptLogits = logits;
        noteStateLogits(logits);
    }

    /** Flushes held-back text; returns the finish reason. */
    FinishReason finishText() {
        if (finishReason == null) {
            throw new IllegalStateException("decoder returned before emit() ended the generation");
        }
        if (!stopFilter.stopped()) {
            String out = stopFilter.accept(detokenizer.flush());
            if (!out.isEmpty()) {
                sink.text(out);
            }
            if (stopFilter.stopped()) {
                finishReason = FinishReason.STOP;
            } else {
                String rest = stopFilter.flush();
                if (!rest.isEmpty()) {
                    sink.text(rest);
                }
            }
        }
        sink.finish();
        return finishReason;
    }

    void cancelBeforeDecoding() {
        finishReason = FinishReason.CANCELLED;
    }

    long computedTokens() {
        return computedTokens;
    }

    float[] stateLogitsIfCurrent() {
        return stateLogitsPosition == state.position() ? stateLogits : null;
    }

    int drafted() {
        return drafted;
    }

    int accepted() {
        return accepted;
    }
}
