package dev.nextinfer.core;

import dev.nextinfer.core.decode.DecodeContext;
import dev.nextinfer.core.decode.Decoder;
import dev.nextinfer.core.decode.Decoders;
import dev.nextinfer.core.decode.TokenLoop;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.PrefixSnapshot;
import dev.nextinfer.core.model.SequenceState;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * One sequence on a shared {@link Qwen3Next}: its own state and token history, for raw completions (text or
 * token ids in, text out) and as the engine under a {@link Chat}. Create with {@link Qwen3Next#newSession()}; any
 * number of sessions can generate at the same time, each from its own thread, and give the same results as
 * running them one after another.
 *
 * <p><b>Prefix reuse.</b> Every call gives the <em>whole</em> prompt. The session remembers the tokens its state
 * has consumed and, at the end of each prompt's prefill, a snapshot of the state; a new prompt that starts with
 * the same tokens continues from the furthest usable point — the live state when the history is a prefix of the
 * prompt, else the latest snapshot within the common prefix — and only the rest is computed. Results are those of
 * a fresh run of the full prompt (up to float rounding from a different prefill split). {@link Usage#cachedPromptTokens()}
 * says how much was reused.
 *
 * <p><b>Memory.</b> Before any compute a generation reserves the memory its sequence needs (KV cache pages and
 * DeltaNet states for prompt + max tokens positions) against the model's limit ({@link Qwen3Next#memoryLimit()});
 * the reservation lasts while the session keeps its state. When other sessions' kept states stand in the way,
 * those of idle sessions are dropped; when it still does not fit the call fails with a
 * {@link MemoryLimitException}. {@link #close()} frees the state at once.
 *
 * <p><b>Threads.</b> One generation at a time per session (a second concurrent call fails);
 * {@link #cancel()} may be called from any thread.
 */
public final class Session implements AutoCloseable {
    /** Prompt tokens per forward call during prefill (bounds activation memory; the memory estimate assumes it). */
    public static final int PREFILL_CHUNK = TokenLoop.PREFILL_CHUNK;
    /** Snapshots kept per session (the latest prompt ends). */
    static final int MAX_SNAPSHOTS = 3;

    private final Qwen3Next owner;
    private final AtomicBoolean cancel = new AtomicBoolean();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean evicting;
    private final ArrayDeque<Snapshot> snapshots = new ArrayDeque<>();
    private SequenceState state; // it records the tokens it consumed: the history prefix reuse matches against
    private float[] stateLogits; // logits after the last consumed token, or null
    private long computedTokens;

    private record Snapshot(PrefixSnapshot state, float[] logits) {
        int position() {
            return state.position();
        }
    }

    Session(Qwen3Next owner) {
        this.owner = owner;
    }

    /** The model this session runs on. */
    public Qwen3Next model() {
        return owner;
    }

    // ---- raw completion

    /** Completes {@code prompt} (encoded with the checkpoint's tokenizer; special tokens in the text are recognised). */
    public GenerationResult generate(String prompt, GenerationConfig config) {
        return generate(prompt, config, GenerationListener.NONE);
    }

    /** Completes {@code prompt}, streaming text pieces to {@code listener}. */
    public GenerationResult generate(String prompt, GenerationConfig config, GenerationListener listener) {
        return generate(owner.tokenizer().encode(Args.required(prompt, "prompt")), config, listener);
    }

    /** Completes a tokenised prompt, streaming text pieces to {@code listener}. */
    public GenerationResult generate(int[] promptIds, GenerationConfig config, GenerationListener listener) {
        return generate(promptIds, config, listener, null);
    }

    GenerationResult generate(int[] promptIds, GenerationConfig config, GenerationListener listener, BooleanSupplier extraCancel) {
        Args.required(promptIds, "prompt");
        Args.required(config, "generation config");
        listener = Args.listener(listener);
        TextSink.Raw sink = new TextSink.Raw(listener);
        Outcome o = run(promptIds, config, sink, listener, extraCancel);
        return new GenerationResult(sink.result(), o.finishReason, o.tokens, o.usage);
    }

    /**
     * Completes {@code prompt} on a background thread; iterate the returned stream for the text pieces, then
     * {@link TextStream#result()}. Closing the stream early cancels the generation.
     */
    public TextStream<GenerationResult> stream(String prompt, GenerationConfig config) {
        int[] ids = owner.tokenizer().encode(Args.required(prompt, "prompt"));
        return stream(ids, config);
    }

    /** As {@link #stream(String, GenerationConfig)} for a tokenised prompt. */
    public TextStream<GenerationResult> stream(int[] promptIds, GenerationConfig config) {
        Args.required(promptIds, "prompt");
        Args.required(config, "generation config");
        checkLimits(promptIds, config);
        return TextStream.start((listener, closed) -> generate(promptIds, config, listener, closed));
    }

    /**
     * Cancels the generation in progress on this session, from any thread: it stops within one token (between
     * prefill chunks during the prompt) with {@link FinishReason#CANCELLED}. No effect when idle.
     */
    public void cancel() {
        cancel.set(true);
    }

    /** Forgets the state, the history and the snapshots (the next call starts from scratch). */
    public void reset() {
        requireIdle();
        try {
            clear();
        } finally {
            busy.set(false);
        }
    }

    /** Frees the state (KV cache pages) and the memory reservation now; the session may be used again later. */
    @Override
    public void close() {
        reset();
    }

    /**
     * Checks, before any compute, that a generation of {@code prompt} with {@code config} is possible — the
     * limits of {@link #generate(int[], GenerationConfig, GenerationListener)} — and reserves its memory. A
     * generation does this itself; servers call it first to refuse a request before answering.
     *
     * @throws MemoryLimitException when the sequence does not fit in memory ({@link MemoryLimitException#retryable()}:
     *                              only beside the generations running now)
     */
    public void admit(int[] prompt, GenerationConfig config) {
        Args.required(prompt, "prompt");
        Args.required(config, "generation config");
        checkLimits(prompt, config);
        reserve(prompt, config);
    }

    private void reserve(int[] prompt, GenerationConfig config) {
        owner.ledger().reserve(this, owner.memoryEstimate(prompt.length + config.maxTokens(), config.mtpDraftTokens() > 0));
    }

    /** Drops the kept state if no generation runs (a reservation elsewhere needs the memory); true if dropped. */
    boolean releaseIfIdle() {
        evicting = true;
        try {
            if (!busy.compareAndSet(false, true)) {
                return false;
            }
            try {
                clear();
            } finally {
                busy.set(false);
            }
            return true;
        } finally {
            evicting = false;
        }
    }

    /** The tokens the session's state has consumed (prompt and generated tokens of the latest call). */
    public int[] history() {
        return state == null ? new int[0] : state.tokens();
    }

    /** Tokens run through the model by this session so far (prefill and decode), a measure of work done. */
    public long computedTokens() {
        return computedTokens;
    }

    // ---- the engine

    /** What {@link #run} returns. */
    record Outcome(FinishReason finishReason, int[] tokens, Usage usage) {
    }

    /** Fails (before any compute) on an empty prompt, ids outside the vocabulary, or prompt + max tokens over the context. */
    void checkLimits(int[] prompt, GenerationConfig config) {
        if (prompt.length == 0) {
            throw new NextInferException("the prompt is empty: at least one token is needed");
        }
        int context = owner.contextLength();
        if ((long) prompt.length + config.maxTokens() > context) {
            throw new NextInferException("prompt (" + prompt.length + " tokens) + max tokens (" + config.maxTokens()
                    + ") = " + (prompt.length + (long) config.maxTokens()) + " exceeds the context length of "
                    + context + " tokens");
        }
        int vocab = owner.config().vocabSize();
        for (int i = 0; i < prompt.length; i++) {
            if (prompt[i] < 0 || prompt[i] >= vocab) {
                throw new NextInferException("prompt token id " + prompt[i] + " at index " + i
                        + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
        owner.requireFits(prompt.length + config.maxTokens(), config.mtpDraftTokens() > 0);
    }

    private void requireIdle() {
        while (!busy.compareAndSet(false, true)) {
            if (!evicting) {
                throw new NextInferException("this session is already generating: one generation at a time per session"
                        + " (use one session per conversation)");
            }
            Thread.onSpinWait(); // another session's reservation is dropping our kept state: a moment
        }
    }

    /** Runs one generation: checks, prefix reuse, chunked prefill, snapshot, decoding, text. */
    Outcome run(int[] prompt, GenerationConfig config, TextSink sink, GenerationListener listener, BooleanSupplier extraCancel) {
        return run(prompt, config, null, sink, listener, extraCancel);
    }

    /** As above with the decoding strategy given (null: the one for {@code config}, {@link Decoders#forConfig}). */
    Outcome run(int[] prompt, GenerationConfig config, Decoder decoder, TextSink sink, GenerationListener listener,
                BooleanSupplier extraCancel) {
        checkLimits(prompt, config);
        if (decoder == null) {
            if (config.mtpDraftTokens() > 0 && !owner.hasMtp()) {
                throw new NextInferException("MTP speculative decoding needs the checkpoint's MTP head: " + owner.mtpNote());
            }
            decoder = Decoders.forConfig(config);
        }
        var tokenizer = owner.tokenizer();
        requireIdle();
        cancel.set(false);
        BooleanSupplier cancelled = extraCancel == null ? cancel::get : () -> cancel.get() || extraCancel.getAsBoolean();
        boolean ok = false;
        TokenLoop loop = null;
        try {
            long t0 = System.nanoTime();
            int reused = rewindFor(prompt, decoder.needsMtpInputs());
            reserve(prompt, config); // after the rewind, which may drop the state (and its reservation)
            GenerationText text = new GenerationText(owner.stopTokenIds(), config, tokenizer.newStreamingDecoder(true),
                    sink, listener, cancelled);
            loop = TokenLoop.builder(owner.model(), state, prompt).config(config).decoder(decoder)
                    .step(owner.decodeBatcher()::step).sink(text).build();
            float[] logits = reused == prompt.length ? stateLogits : null;
            ForwardResult last = loop.prefill(reused);
            int consumed = loop.prefilled();
            if (last != null) {
                logits = last.logits();
            }
            stateLogits = consumed == prompt.length ? logits : null;
            long t1 = System.nanoTime();
            FinishReason loopEnd = FinishReason.CANCELLED;
            if (consumed == prompt.length) {
                if (reused < prompt.length) {
                    addSnapshot(logits);
                }
                loopEnd = loop.decode(logits);
            }
            FinishReason reason = text.finish(loopEnd);
            long t2 = System.nanoTime();
            DecodeContext dc = loop.context();
            int[] generated = dc.generated();
            int[] extra = dc.consumedPastEmitted();
            int fed = state.position() - prompt.length;
            if (fed < 0 || fed > generated.length + extra.length || (extra.length > 0 && fed != generated.length + extra.length)) {
                throw new IllegalStateException("decoder left the state at position " + state.position()
                        + " after a prompt of " + prompt.length + " and " + generated.length + " generated tokens");
            }
            stateLogits = consumed == prompt.length ? dc.stateLogitsIfCurrent() : stateLogits;
            ok = true;
            Usage usage = new Usage(prompt.length, reused, generated.length, t1 - t0, t2 - t1, dc.drafted(), dc.accepted());
            return new Outcome(reason, generated, usage);
        } finally {
            if (loop != null) {
                computedTokens += loop.context().computedTokens();
            }
            if (!ok) {
                clear(); // the state is unknown after a failure
            }
            busy.set(false);
        }
    }

    /**
     * Puts the state at the furthest point usable for {@code prompt} and returns how many prompt tokens it has
     * already consumed (== prompt.length only when logits for that point are known).
     */
    private int rewindFor(int[] prompt, boolean needsMtp) {
        if (state != null && needsMtp && !state.recordsMtpInputs()) {
            clear(); // the MTP head needs the hidden states of every position: start a recording state
        }
        if (state == null) {
            state = owner.model().newState(owner.contextLength(), needsMtp);
            return 0;
        }
        int[] history = state.tokens();
        int historyLength = history.length;
        int lcp = 0;
        int max = Math.min(historyLength, prompt.length);
        while (lcp < max && history[lcp] == prompt[lcp]) {
            lcp++;
        }
        if (lcp == historyLength && (lcp < prompt.length || stateLogits != null)) {
            return lcp; // the live state continues
        }
        Iterator<Snapshot> it = snapshots.descendingIterator();
        while (it.hasNext()) {
            Snapshot s = it.next();
            int p = s.position();
            if (p <= lcp && (p < prompt.length || s.logits != null)) {
                state.restore(s.state);
                stateLogits = s.logits;
                snapshots.removeIf(o -> o.position() > p); // their positions are gone from the KV caches
                return p;
            }
        }
        boolean record = needsMtp || state.recordsMtpInputs();
        clear();
        state = owner.model().newState(owner.contextLength(), record);
        return 0;
    }

    private void addSnapshot(float[] logits) {
        int p = state.position();
        snapshots.removeIf(o -> o.position() >= p);
        snapshots.addLast(new Snapshot(state.snapshot(), logits));
        while (snapshots.size() > MAX_SNAPSHOTS) {
            snapshots.removeFirst();
        }
    }

    private void clear() {
        if (state != null) {
            state.close(); // returns the KV cache pages now rather than at the next garbage collection
        }
        owner.ledger().release(this);
        state = null;
        stateLogits = null;
        snapshots.clear();
    }
}
