package dev.nextinfer.core.decode;

import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;

/**
 * The token loop of one generation, without a tokenizer: a model, a sequence state, a prompt of token ids and a
 * {@link Decoder} (plain or speculative). {@link #prefill} runs the prompt through the model in chunks, {@link #decode}
 * then lets the decoder produce tokens, which go to a {@link TokenSink} (the per-token callback and stop predicate)
 * until it stops them, {@link TokenSink#cancelled cancellation} or the token limit. Sessions, the CLI's reference
 * commands, the benchmarks and the tests all generate through this class.
 *
 * <pre>{@code
 * int[] tokens = TokenLoop.builder(model, model.newState(prompt.length + 16), prompt).maxTokens(16).build().generate();
 * }</pre>
 *
 * One generation per loop; used by one thread.
 */
public final class TokenLoop {
    /** Prompt tokens per forward call during prefill (bounds activation memory; the memory estimate assumes it). */
    public static final int PREFILL_CHUNK = 512;

    private final Qwen3NextModel model;
    private final SequenceState state;
    private final int[] prompt;
    private final Decoder decoder;
    private final int prefillChunk;
    private final boolean allLogits;
    private final TokenSink sink;
    private final DecodeContext ctx;
    private int prefilled;

    private TokenLoop(Builder b) {
        this.model = b.model;
        this.state = b.state;
        this.prompt = b.prompt;
        this.decoder = b.decoder;
        this.prefillChunk = b.prefillChunk;
        this.allLogits = b.allLogits;
        this.sink = b.sink;
        DecodeStep step = b.step != null ? b.step : (s, token) -> model.forward(new int[] {token}, 0, 1, s, false, false).logits();
        this.ctx = new DecodeContext(model, step, state, b.config, prompt, sink);
    }

    /**
     * A loop generating after {@code prompt} on {@code state} (fresh, or holding positions the prompt continues;
     * sized for the prompt and the tokens to come). Defaults: greedy decoding of up to 256 tokens, one token per
     * step, chunks of {@value #PREFILL_CHUNK}, every token taken.
     */
    public static Builder builder(Qwen3NextModel model, SequenceState state, int[] prompt) {
        return new Builder(model, state, prompt);
    }

    /** Prefills the whole prompt: {@link #prefill(int) prefill(0)}. */
    public ForwardResult prefill() {
        return prefill(0);
    }

    /**
     * Runs {@code prompt[from ..]} through the model in chunks, checking {@link TokenSink#cancelled} before each, and
     * hands each chunk's result to the decoder ({@link Decoder#onPrefill}). The state must have consumed the prompt's
     * first {@code from} tokens. Returns the last chunk's result (its logits are those after the last prompt token
     * when {@link #prefilled()} reaches the prompt's end), or null when no chunk ran.
     */
    public ForwardResult prefill(int from) {
        ForwardResult r = null;
        prefilled = from;
        while (prefilled < prompt.length && !sink.cancelled()) {
            int to = Math.min(prompt.length, prefilled + prefillChunk);
            r = model.forward(prompt, prefilled, to, state, allLogits, false);
            ctx.addComputedTokens(to - prefilled);
            decoder.onPrefill(ctx, prompt, prefilled, to, r);
            prefilled = to;
        }
        return r;
    }

    /** How many prompt tokens the state has consumed after {@link #prefill(int)} (the prompt's length unless cancelled). */
    public int prefilled() {
        return prefilled;
    }

    /**
     * Lets the decoder generate from {@code promptLogits}, the logits after the last prompt token (which the state
     * has consumed), until the sink stops it, cancellation or the token limit; returns why it ended.
     *
     * @throws IllegalStateException when the decoder returned before {@link DecodeContext#emit} ended the generation
     */
    public FinishReason decode(float[] promptLogits) {
        ctx.setPromptLogits(promptLogits);
        decoder.decode(ctx);
        if (ctx.finishReason() == null) {
            throw new IllegalStateException("decoder returned before emit() ended the generation");
        }
        return ctx.finishReason();
    }

    /**
     * {@link #prefill()}, then {@link #decode} unless cancelled during the prefill; returns the generated tokens
     * (none when cancelled before decoding).
     */
    public int[] generate() {
        if (prompt.length == 0) {
            throw new NextInferException("the prompt is empty: at least one token is needed");
        }
        ForwardResult r = prefill();
        if (prefilled < prompt.length) {
            return new int[0];
        }
        decode(r.logits());
        return ctx.generated();
    }

    /** The generation's context: tokens emitted, counters, finish reason. */
    public DecodeContext context() {
        return ctx;
    }

    /** Builder of {@link TokenLoop}. */
    public static final class Builder {
        private final Qwen3NextModel model;
        private final SequenceState state;
        private final int[] prompt;
        private GenerationConfig config = GenerationConfig.greedy();
        private Decoder decoder = Decoders.plain();
        private DecodeStep step;
        private TokenSink sink = TokenSink.ALL;
        private int prefillChunk = PREFILL_CHUNK;
        private boolean allLogits;

        private Builder(Qwen3NextModel model, SequenceState state, int[] prompt) {
            this.model = model;
            this.state = state;
            this.prompt = prompt;
        }

        /**
         * Sampling settings and token limit (stop tokens and stop strings are the sink's business: the loop does not
         * look at them). Default: greedy, 256 tokens.
         */
        public Builder config(GenerationConfig v) {
            config = v;
            return this;
        }

        /** The token limit, keeping the config's other settings. */
        public Builder maxTokens(int v) {
            config = config.toBuilder().maxTokens(v).build();
            return this;
        }

        /** The decoding strategy (default: {@link Decoders#plain()}). */
        public Builder decoder(Decoder v) {
            decoder = v;
            return this;
        }

        /** How a decode step runs (default: the model's forward pass over the one token). */
        public Builder step(DecodeStep v) {
            step = v;
            return this;
        }

        /** Where committed tokens go (default: {@link TokenSink#ALL}). */
        public Builder sink(TokenSink v) {
            sink = v;
            return this;
        }

        /** Prompt tokens per prefill forward call (default {@value #PREFILL_CHUNK}; the prompt's length: one call). */
        public Builder prefillChunk(int v) {
            if (v < 1) {
                throw new IllegalArgumentException("prefill chunk must be ≥ 1, got " + v);
            }
            prefillChunk = v;
            return this;
        }

        /** Whether the prefill keeps the logits of every prompt position, not only the last (default false). */
        public Builder allLogits(boolean v) {
            allLogits = v;
            return this;
        }

        /** The loop. */
        public TokenLoop build() {
            return new TokenLoop(this);
        }
    }
}
