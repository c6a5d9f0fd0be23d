package dev.nextinfer.core.decode;

import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.sampling.Sampler;
import java.util.Arrays;

/**
 * What a {@link Decoder} works with during one generation of a {@link TokenLoop}: the model, the sequence state
 * (prompt already consumed), the sampler, and {@link #emit}, which commits tokens to the loop's {@link TokenSink}
 * and applies cancellation and the token limit. Knows nothing of text. Used by one thread.
 */
public final class DecodeContext {
    private final Qwen3NextModel model;
    private final DecodeStep step;
    private final SequenceState state;
    private final GenerationConfig config;
    private final Sampler sampler;
    private final TokenSink sink;
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

    DecodeContext(Qwen3NextModel model, DecodeStep step, SequenceState state, GenerationConfig config, int[] prompt, TokenSink sink) {
        this.model = model;
        this.step = step;
        this.state = state;
        this.config = config;
        this.sampler = new Sampler(config);
        this.sink = sink;
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

    /** The generation settings (sampling and the token limit). */
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
        return sampler.next(logits, context, contextLength, generated, generatedCount);
    }

    /**
     * Runs one token through the model (continuing the state) with the loop's {@link DecodeStep} and returns the
     * logits after it.
     */
    public float[] forward(int token) {
        float[] logits = step.step(state, token);
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

    /** The logits noted for the state's current position ({@link #noteStateLogits}), or null. */
    public float[] stateLogitsIfCurrent() {
        return stateLogitsPosition == state.position() ? stateLogits : null;
    }

    /**
     * Records that the state consumed {@code tokens} after the last emitted token — a speculative round whose
     * accepted drafts run past the point where generation stopped (a stop string, a stop token, cancellation). A
     * session then knows exactly what the state holds.
     */
    public void consumedPastEmitted(int[] tokens) {
        consumedPastEmitted = tokens.clone();
    }

    /** What {@link #consumedPastEmitted(int[])} recorded (empty if nothing). */
    public int[] consumedPastEmitted() {
        return consumedPastEmitted;
    }

    /** Adds to the count of tokens run through the main model (for decoders that call it directly). */
    public void addComputedTokens(int n) {
        computedTokens += n;
    }

    /** Tokens run through the main model so far: prefill chunks, decode steps and verification passes. */
    public long computedTokens() {
        return computedTokens;
    }

    /** Speculative decoding statistics: {@code drafted} tokens proposed, {@code accepted} of them kept. */
    public void recordSpeculation(int drafted, int accepted) {
        this.drafted += drafted;
        this.accepted += accepted;
    }

    /** Draft tokens proposed so far. */
    public int drafted() {
        return drafted;
    }

    /** Draft tokens accepted so far. */
    public int accepted() {
        return accepted;
    }

    /** Whether cancellation was requested ({@link #emit} checks this too). */
    public boolean cancelRequested() {
        return sink.cancelled();
    }

    /** Whether the generation has ended. */
    public boolean finished() {
        return finishReason != null;
    }

    /** Why the generation ended, or null while it goes on. */
    public FinishReason finishReason() {
        return finishReason;
    }

    /**
     * Commits the next generated token. Returns whether to go on; false when the generation has ended: a
     * cancellation request (checked first; the token is then dropped), the sink's stop (a stop token or stop string:
     * the token is kept), or the token limit reached.
     */
    public boolean emit(int token) {
        if (finishReason != null) {
            return false;
        }
        if (sink.cancelled()) {
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
        if (!sink.accept(token)) {
            finishReason = FinishReason.STOP;
            return false;
        }
        if (generatedCount >= config.maxTokens()) {
            finishReason = FinishReason.LENGTH;
            return false;
        }
        return true;
    }

    // ---- used by TokenLoop

    void setPromptLogits(float[] logits) {
        promptLogits = logits;
        noteStateLogits(logits);
    }

    void cancel() {
        finishReason = FinishReason.CANCELLED;
    }
}
