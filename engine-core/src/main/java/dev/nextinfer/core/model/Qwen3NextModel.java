package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.config.RopeScaling;
import dev.nextinfer.core.weights.ModelWeights;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.Norms;
import dev.nextinfer.kernels.Rope;
import dev.nextinfer.kernels.ThreadPool;

/**
 * The Qwen3-Next graph over loaded weights:
 *
 * <pre>
 *   x = embed_tokens[ids]
 *   for each layer: x = layer(x)                 (Gated DeltaNet or gated attention, then MoE)
 *   hidden = norm(x);  logits = lm_head(hidden)
 * </pre>
 *
 * and the MTP head: {@code mtp.norm(layer(fc([pre_fc_norm_embedding(embed(next)) | pre_fc_norm_hidden(hidden)])))}
 * then the shared {@code lm_head}.
 *
 * <p>Thread-safe: all per-sequence data lives in {@link SequenceState}, so any number of sequences can run on one
 * model. Calls on one pool are serialised by the pool. Each call borrows a {@link Workspace} for its activations
 * and gives it back; the model keeps up to two, of calls up to {@value #MAX_KEPT_TOKENS} tokens (a 512-token chunk's
 * arrays are ~256 MB on the real shapes).
 */
public final class Qwen3NextModel {
    private final Qwen3NextConfig cfg;
    private final ModelWeights w;
    private final ThreadPool pool;
    private final DecoderLayer[] layers;
    private final MtpHead mtp;
    private final int hidden;
    private final int vocab;
    private final float eps;
    private final KvCacheFormat kvFormat;
    /**
     * Idle workspaces kept at most: a prefill and the batched decode steps of a server's other sequences. Calls beyond
     * that gain nothing from running at the same time (their parallel regions take turns on the pool), so a burst of
     * them does not leave its workspaces behind for good.
     */
    private static final int MAX_IDLE_WORKSPACES = 2;
    /**
     * Tokens per call up to which its workspace is kept: the sessions' prefill chunk. A workspace that served a longer
     * call (an embedder's whole long prompt in one {@link #forward}) is left to the collector, so its arrays, which
     * grow with the tokens, are not held for the model's lifetime.
     */
    static final int MAX_KEPT_TOKENS = 512;
    /** Workspaces no call is using. */
    private final java.util.concurrent.ConcurrentLinkedDeque<Workspace> idle = new java.util.concurrent.ConcurrentLinkedDeque<>();

    /** Builds the graph with an exact (f32) KV cache; {@code pool} runs every parallel region. */
    public Qwen3NextModel(Qwen3NextConfig cfg, ModelWeights w, ThreadPool pool) {
        this(cfg, w, pool, KvCacheFormat.F32);
    }

    /** Builds the graph; new sequence states cache keys and values in {@code kvFormat}. */
    public Qwen3NextModel(Qwen3NextConfig cfg, ModelWeights w, ThreadPool pool, KvCacheFormat kvFormat) {
        this.cfg = cfg;
        this.w = w;
        this.pool = pool;
        this.hidden = cfg.hiddenSize();
        this.vocab = cfg.vocabSize();
        this.eps = (float) cfg.rmsNormEps();
        this.kvFormat = kvFormat;
        RopeScaling scaling = cfg.ropeScaling();
        Rope rope = scaling == null
                ? new Rope(cfg.rotaryDim(), cfg.ropeTheta())
                : new Rope(cfg.rotaryDim(), scaling.invFreq(cfg.rotaryDim(), cfg.ropeTheta()));
        float ropeFactor = scaling == null ? 1f : (float) scaling.effectiveAttentionFactor();
        this.layers = new DecoderLayer[cfg.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new DecoderLayer(cfg, w.layers()[i], rope, ropeFactor);
        }
        this.mtp = w.mtp() != null ? new MtpHead(cfg, w, pool, rope, ropeFactor) : null;
    }

    /** Layer {@code i}'s gated attention, or null for a DeltaNet layer (tests). */
    GatedAttention attention(int i) {
        return layers[i].selfAttn();
    }

    /** The architecture. */
    public Qwen3NextConfig config() {
        return cfg;
    }

    /** The weights. */
    public ModelWeights weights() {
        return w;
    }

    /** The thread pool. */
    public ThreadPool pool() {
        return pool;
    }

    /** Whether the checkpoint has an MTP head. */
    public boolean hasMtp() {
        return mtp != null;
    }

    /** A fresh sequence state for up to {@code maxPositions} positions, with the model's KV cache format. */
    public SequenceState newState(int maxPositions) {
        return new SequenceState(cfg, maxPositions, kvFormat, false);
    }

    /** A fresh sequence state with an explicit KV cache format. */
    public SequenceState newState(int maxPositions, KvCacheFormat format) {
        return new SequenceState(cfg, maxPositions, format, false);
    }

    /** The KV cache format of {@link #newState(int)}. */
    public KvCacheFormat kvCacheFormat() {
        return kvFormat;
    }

    /**
     * A fresh sequence state; with {@code recordMtpInputs} it keeps what the MTP head needs, for speculative
     * decoding ({@link #mtpDraft}, {@link #forwardSpeculative}).
     */
    public SequenceState newState(int maxPositions, boolean recordMtpInputs) {
        if (recordMtpInputs) {
            requireMtp();
        }
        return new SequenceState(cfg, maxPositions, kvFormat, recordMtpInputs);
    }

    /**
     * Runs {@code tokens[from .. to)} through the model, continuing {@code state}.
     *
     * @param allLogits     logits for every position (else only the last)
     * @param captureLayers also return every layer's output (tests, debugging)
     */
    public ForwardResult forward(int[] tokens, int from, int to, SequenceState state, boolean allLogits, boolean captureLayers) {
        int T = to - from;
        if (T <= 0) {
            throw new NextInferException("forward needs at least one token");
        }
        state.requireNoPending();
        state.requireRoom(T);
        checkTokens(tokens, from, to);
        float[][] captured = captureLayers ? new float[layers.length + 1][] : null;
        Workspace ws = borrow();
        float[] normed;
        try {
            normed = layersForward(tokens, from, T, state, captured, ws);
        } finally {
            giveBack(ws, T);
        }
        state.advance(normed, tokens, from, T, mtp);
        return new ForwardResult(lmHead(normed, T, allLogits), allLogits ? T : 1, normed, captured);
    }

    /**
     * The verification pass of speculative decoding: runs {@code tokens[from .. to)} ({@code 1 ≤ T ≤ }{@value
     * GatedDeltaNet#CHUNK}) like {@link #forward} with logits for every position, but leaves the sequence where it
     * was until {@link PendingForward#commit(int)} says how many of the tokens to keep. DeltaNet layers compute
     * their outputs from the current state and defer the update; attention layers append and later truncate.
     */
    public PendingForward forwardSpeculative(int[] tokens, int from, int to, SequenceState state) {
        int T = to - from;
        if (T <= 0 || T > GatedDeltaNet.CHUNK) {
            throw new NextInferException("a speculative forward takes 1 to " + GatedDeltaNet.CHUNK + " tokens, got " + T);
        }
        state.requireNoPending();
        state.requireRoom(T);
        checkTokens(tokens, from, to);
        float[] x = embed(tokens, from, T);
        LayerUpdate[] updates = new LayerUpdate[layers.length];
        Workspace ws = borrow();
        try {
            for (int i = 0; i < layers.length; i++) {
                updates[i] = layers[i].forwardSpeculative(pool, x, T, state.layer(i), ws);
            }
        } finally {
            giveBack(ws, T);
        }
        float[] normed = finalNorm(x, T);
        int[] verified = java.util.Arrays.copyOfRange(tokens, from, to);
        float[] logits = new float[T * vocab];
        Linear.forward(pool, MatMulMode.ROW_EXACT, w.lmHead(), normed, T, logits);
        state.awaitCommit();
        return new PendingForward(state, verified, logits, normed, updates, pool, mtp);
    }

    /**
     * One decode step of several sequences at once (continuous batching): {@code tokens[b]} is the next token of
     * {@code states[b]}, and each state advances by one position exactly as {@link #forward} of that one token
     * would move it. Every weight matrix is read once for the whole batch through the few-row kernel
     * ({@link MatMulMode#ROW_EXACT}), experts once for the tokens routed to them; the conv, the delta rule and
     * attention run per sequence. Row {@code b} of the result's logits is, to the bit, what {@code
     * forward(tokens, b, b + 1, states[b], false, false)} gives — batching is invisible to the sequences.
     *
     * @param tokens one token per sequence, {@code B = tokens.length ≥ 1}
     * @param states {@code B} distinct states, none with an uncommitted speculative forward
     * @return logits {@code [B][vocab]} and the normed hidden states {@code [B][H]}
     */
    public ForwardResult forwardBatch(int[] tokens, SequenceState[] states) {
        int B = tokens.length;
        if (B == 0 || states.length != B) {
            throw new NextInferException("a batched step needs one token per sequence, got " + B + " tokens for "
                    + states.length + " sequences");
        }
        checkTokens(tokens, 0, B);
        java.util.Set<SequenceState> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (SequenceState s : states) {
            if (!seen.add(s)) {
                throw new NextInferException("a sequence appears twice in one batched step");
            }
            s.requireNoPending();
            s.requireRoom(1);
        }
        float[] x = new float[B * hidden];
        for (int b = 0; b < B; b++) {
            w.embedTokens().row(tokens[b], x, b * hidden);
        }
        LayerState[] layerStates = new LayerState[B];
        Workspace ws = borrow();
        try {
            for (int i = 0; i < layers.length; i++) {
                for (int b = 0; b < B; b++) {
                    layerStates[b] = states[b].layer(i);
                }
                layers[i].forwardBatch(pool, x, B, layerStates, ws);
            }
        } finally {
            giveBack(ws, B);
        }
        float[] normed = new float[B * hidden];
        for (int b = 0; b < B; b++) {
            Norms.rmsNormZeroCentred(x, b * hidden, w.norm(), eps, normed, b * hidden, hidden);
        }
        for (int b = 0; b < B; b++) {
            states[b].advance(java.util.Arrays.copyOfRange(normed, b * hidden, (b + 1) * hidden), tokens, b, 1, mtp);
        }
        float[] logits = new float[B * vocab];
        Linear.forward(pool, MatMulMode.ROW_EXACT, w.lmHead(), normed, B, logits);
        return new ForwardResult(logits, B, normed, null);
    }

    /** Embeds and runs all layers, advancing their states; returns the normed final hidden states. */
    private float[] layersForward(int[] tokens, int from, int T, SequenceState state, float[][] captured, Workspace ws) {
        float[] x = embed(tokens, from, T);
        if (captured != null) {
            captured[0] = x.clone();
        }
        for (int i = 0; i < layers.length; i++) {
            layers[i].forward(pool, x, T, state.layer(i), ws);
            if (captured != null) {
                captured[i + 1] = x.clone();
            }
        }
        return finalNorm(x, T);
    }

    /** An idle workspace, or a new one when every workspace is in use. */
    private Workspace borrow() {
        Workspace ws = idle.poll();
        return ws != null ? ws : Workspace.reusing();
    }

    /**
     * Keeps {@code ws}, used by a call of {@code tokens} tokens, for a later call, unless that call was longer than
     * {@value #MAX_KEPT_TOKENS} tokens or {@value #MAX_IDLE_WORKSPACES} workspaces are idle already.
     */
    private void giveBack(Workspace ws, int tokens) {
        if (tokens <= MAX_KEPT_TOKENS && idle.size() < MAX_IDLE_WORKSPACES) {
            idle.push(ws);
        }
    }

    /** Idle workspaces (tests). */
    int idleWorkspaces() {
        return idle.size();
    }

    private float[] embed(int[] tokens, int from, int T) {
        float[] x = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            w.embedTokens().row(tokens[from + t], x, t * hidden);
        }
        return x;
    }

    private float[] finalNorm(float[] x, int T) {
        float[] normed = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            Norms.rmsNormZeroCentred(x, t * hidden, w.norm(), eps, normed, t * hidden, hidden);
        }
        return normed;
    }

    /**
     * The MTP head over {@code T} positions: row {@code t} combines the main model's normed hidden state
     * {@code hidden[t]} with the embedding of {@code nextTokens[t]} (the token after that position) and predicts
     * the token after {@code nextTokens[t]}. Continues the state's MTP cache. The result's {@code hidden} is the
     * head's output after {@code mtp.norm}, which chained drafting feeds back in as the next hidden state.
     *
     * <p>On a state that records MTP inputs this is for chained draft steps after {@link #mtpDraft} only.
     */
    public ForwardResult mtpForward(float[] hiddenStates, int[] nextTokens, int T, SequenceState state, boolean allLogits) {
        requireMtp();
        state.requireNoPending();
        if (state.mtpBacklogRows() > 0) {
            throw new NextInferException("this sequence records MTP inputs: start drafting with mtpDraft, which consumes them");
        }
        checkTokens(nextTokens, 0, T);
        float[] normed = mtp.forward(hiddenStates, nextTokens, T, state.mtpCache());
        return new ForwardResult(lmHead(normed, T, allLogits), allLogits ? T : 1, normed, null);
    }

    /**
     * The first draft step of a speculative round on a state that records MTP inputs: runs the MTP head over every
     * position the main model has consumed and the head has not, pairing the last one with {@code next} (the
     * token chosen from the main model's last logits, not consumed yet). Afterwards the MTP cache holds exactly
     * the main model's positions; the last logits row predicts the token after {@code next}, and the last hidden
     * row feeds the next draft step ({@link #mtpForward}). Draft again after a commit or forward.
     *
     * @param allLogits logits for every row run (else only the last)
     */
    public ForwardResult mtpDraft(SequenceState state, int next, boolean allLogits) {
        requireMtp();
        state.requireNoPending();
        if (!state.recordsMtpInputs()) {
            throw new NextInferException("this sequence does not record MTP inputs: create it with newState(maxPositions, true)");
        }
        if (state.position() == 0) {
            throw new NextInferException("drafting needs at least one consumed position");
        }
        checkTokens(new int[] {next}, 0, 1);
        float[] normed = state.draftMtp(mtp, next);
        int n = normed.length / hidden;
        return new ForwardResult(lmHead(normed, n, allLogits), allLogits ? n : 1, normed, null);
    }

    private void requireMtp() {
        if (mtp == null) {
            throw new NextInferException("this checkpoint has no mtp.* tensors: multi-token prediction is unavailable");
        }
    }

    private float[] lmHead(float[] normed, int T, boolean allLogits) {
        int rows = allLogits ? T : 1;
        int from = allLogits ? 0 : T - 1;
        float[] logits = new float[rows * vocab];
        Linear.forward(pool, w.lmHead(), normed, from * hidden, hidden, rows, logits, 0, vocab);
        return logits;
    }

    private void checkTokens(int[] tokens, int from, int to) {
        for (int i = from; i < to; i++) {
            if (tokens[i] < 0 || tokens[i] >= vocab) {
                throw new NextInferException("token id " + tokens[i] + " at index " + i + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
