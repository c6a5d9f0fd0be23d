package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.weights.ModelWeights;
import dev.nextinfer.core.weights.MtpWeights;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.Norms;
import dev.nextinfer.kernels.Rope;
import dev.nextinfer.kernels.ThreadPool;

/**
 * The multi-token-prediction head up to its final norm (the shared {@code lm_head} stays with the model):
 *
 * <pre>
 *   mtp.norm(layer(fc([pre_fc_norm_embedding(embed(next)) | pre_fc_norm_hidden(hidden)])))
 * </pre>
 *
 * where {@code layer} is one gated attention decoder layer with its own KV cache.
 */
final class MtpHead {
    private final ModelWeights w;
    private final MtpWeights m;
    private final ThreadPool pool;
    private final DecoderLayer layer;
    private final int hidden;
    private final float eps;

    MtpHead(Qwen3NextConfig cfg, ModelWeights w, ThreadPool pool, Rope rope, float ropeFactor) {
        this.w = w;
        this.m = w.mtp();
        this.pool = pool;
        this.layer = new DecoderLayer(cfg, m.layer(), rope, ropeFactor);
        this.hidden = cfg.hiddenSize();
        this.eps = (float) cfg.rmsNormEps();
    }

    /**
     * The head over {@code T} rows, continuing {@code cache}: row {@code t} combines the main model's normed hidden
     * state {@code hiddenStates[t]} with the embedding of {@code nextTokens[t]}; returns the rows after
     * {@code mtp.norm} {@code [T][H]}.
     */
    float[] forward(float[] hiddenStates, int[] nextTokens, int T, KvCache cache) {
        float[] cat = new float[T * 2 * hidden];
        float[] row = new float[hidden];
        for (int t = 0; t < T; t++) {
            w.embedTokens().row(nextTokens[t], row, 0);
            Norms.rmsNormZeroCentred(row, 0, m.preFcNormEmbedding(), eps, cat, t * 2 * hidden, hidden);
            Norms.rmsNormZeroCentred(hiddenStates, t * hidden, m.preFcNormHidden(), eps, cat, t * 2 * hidden + hidden, hidden);
        }
        float[] x = new float[T * hidden];
        Linear.forward(pool, m.fc(), cat, T, x);
        layer.forward(pool, x, T, cache, Workspace.fresh()); // one layer over a few rows: not worth a lent workspace
        float[] normed = new float[T * hidden];
        for (int t = 0; t < T; t++) {
            Norms.rmsNormZeroCentred(x, t * hidden, m.norm(), eps, normed, t * hidden, hidden);
        }
        return normed;
    }
}
