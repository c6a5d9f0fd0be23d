package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.config.RopeScaling;
import dev.nextinfer.core.weights.ModelWeights;
import dev.nextinfer.core.weights.MtpWeights;
import dev.nextinfer.kernels.Linear;
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
 * <p>Stateless and thread-safe: all per-sequence data lives in {@link SequenceState}, so any number of sequences
 * can run on one model. Calls on one pool are serialised by the pool.
 */
public final class Qwen3NextModel {
    private final Qwen3NextConfig cfg;
    private final ModelWeights w;
    private final ThreadPool pool;
    private final DecoderLayer[] layers;
    private final DecoderLayer mtpLayer;
    private final int hidden;
    private final int vocab;
    private final float eps;
    private final KvCacheFormat kvFormat;

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
        this.mtpLayer = w.mtp() != null ? new DecoderLayer(cfg, w.mtp().layer(), rope, ropeFactor) : null;
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
        return mtpLayer != null;
    }

    /** A fresh sequence state for up to {@code maxPositions} positions, with the model's KV cache format. */
    public SequenceState newState(int maxPositions) {
        return new SequenceState(cfg, maxPositions, kvFormat);
    }

    /** A fresh sequence state with an explicit KV cache format. */
    public SequenceState newState(int maxPositions, KvCacheFormat format) {
        return new SequenceState(cfg, maxPositions, format);
    }

    /** The KV cache format of {@link #newState(int)}. */
    public KvCacheFormat kvCacheFormat() {
        return kvFormat;
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
        checkTokens(tokens, from, to);
        float[] x = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            w.embedTokens().row(tokens[from + t], x, t * hidden);
        }
        float[][] captured = captureLayers ? new float[layers.length + 1][] : null;
        if (captureLayers) {
            captured[0] = x.clone();
        }
        for (int i = 0; i < layers.length; i++) {
            layers[i].forward(pool, x, T, state.linear[i], state.kv[i]);
            if (captureLayers) {
                captured[i + 1] = x.clone();
            }
        }
        state.position += T;
        float[] normed = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            Norms.rmsNormZeroCentred(x, t * hidden, w.norm(), eps, normed, t * hidden, hidden);
        }
        state.lastHidden = new float[hidden];
        System.arraycopy(normed, (T - 1) * hidden, state.lastHidden, 0, hidden);
        return new ForwardResult(lmHead(normed, T, allLogits), allLogits ? T : 1, normed, captured);
    }

    /**
     * The MTP head over {@code T} positions: row {@code t} combines the main model's normed hidden state
     * {@code hidden[t]} with the embedding of {@code nextTokens[t]} (the token after that position) and predicts
     * the token after {@code nextTokens[t]}. Continues the state's MTP cache. The result's {@code hidden} is the
     * head's output after {@code mtp.norm}, which chained drafting feeds back in as the next hidden state.
     */
    public ForwardResult mtpForward(float[] hiddenStates, int[] nextTokens, int T, SequenceState state, boolean allLogits) {
        if (mtpLayer == null) {
            throw new NextInferException("this checkpoint has no mtp.* tensors: multi-token prediction is unavailable");
        }
        checkTokens(nextTokens, 0, T);
        MtpWeights m = w.mtp();
        float[] cat = new float[T * 2 * hidden];
        float[] row = new float[hidden];
        for (int t = 0; t < T; t++) {
            w.embedTokens().row(nextTokens[t], row, 0);
            Norms.rmsNormZeroCentred(row, 0, m.preFcNormEmbedding(), eps, cat, t * 2 * hidden, hidden);
            Norms.rmsNormZeroCentred(hiddenStates, t * hidden, m.preFcNormHidden(), eps, cat, t * 2 * hidden + hidden, hidden);
        }
        float[] x = new float[T * hidden];
        Linear.forward(pool, m.fc(), cat, T, x);
        mtpLayer.forward(pool, x, T, null, state.mtpKv);
        float[] normed = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            Norms.rmsNormZeroCentred(x, t * hidden, m.norm(), eps, normed, t * hidden, hidden);
        }
        return new ForwardResult(lmHead(normed, T, allLogits), allLogits ? T : 1, normed, null);
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
