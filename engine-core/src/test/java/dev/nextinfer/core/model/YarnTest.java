package dev.nextinfer.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.config.RopeScaling;
import dev.nextinfer.core.testing.Fixtures;
import dev.nextinfer.core.weights.AttentionWeights;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.MatMulMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * YaRN beyond the original context. There are no YaRN goldens (the fixtures are plain RoPE), so the engine is held
 * to an independent float64 computation of the reference formulas: transformers' {@code _compute_yarn_parameters}
 * (inverse frequencies and attention factor, written out again here) and a scalar gated-attention step over the
 * layer's weights and cache — at a position inside the original context and at 300,000, past the 262,144 original
 * positions of the tiny-f32 fixture, with factor 4 (context limit 1,048,576).
 */
class YarnTest {

    /** transformers' {@code _compute_yarn_parameters} (explicit factor), in float64: the inverse frequencies. */
    static double[] referenceInvFreq(double base, int dim, double factor, int original, double betaFast, double betaSlow,
                                     boolean truncate) {
        double low = dim * Math.log(original / (betaFast * 2 * Math.PI)) / (2 * Math.log(base));
        double high = dim * Math.log(original / (betaSlow * 2 * Math.PI)) / (2 * Math.log(base));
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001;
        }
        double[] inv = new double[dim / 2];
        for (int i = 0; i < dim / 2; i++) {
            double posFreq = Math.pow(base, (double) (2 * i) / dim);
            double extrapolation = 1 / posFreq;
            double interpolation = 1 / (factor * posFreq);
            double ramp = Math.min(1, Math.max(0, (i - low) / (high - low)));
            double extrapolationFactor = 1 - ramp;
            inv[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return inv;
    }

    /** {@code get_mscale(factor)}: the attention factor when the config gives none. */
    static double referenceAttentionFactor(double factor) {
        return factor <= 1 ? 1 : 0.1 * Math.log(factor) + 1;
    }

    @ParameterizedTest
    @CsvSource({"1e7, 64, 4, 262144, 32, 1, true", "1e7, 8, 4, 262144, 32, 1, true", "1e4, 128, 8, 4096, 16, 2, false",
            "5e5, 96, 2.5, 32768, 32, 1, true"})
    void frequenciesAndAttentionFactorMatchTheReference(double theta, int dim, double factor, int original, double fast,
                                                         double slow, boolean truncate) {
        RopeScaling s = new RopeScaling(factor, original, fast, slow, Double.NaN, truncate);
        double[] got = s.invFreq(dim, theta);
        double[] want = referenceInvFreq(theta, dim, factor, original, fast, slow, truncate);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], Math.abs(want[i]) * 1e-14, "inv_freq[" + i + "]");
        }
        assertEquals(referenceAttentionFactor(factor), s.effectiveAttentionFactor(), 1e-15);
    }

    @Test
    void contextLimitIsFactorTimesOriginal() throws Exception {
        Qwen3NextConfig plain = dev.nextinfer.core.config.ConfigParser.parse("{}", "c");
        assertEquals(32768, plain.contextLimit());
        Qwen3NextConfig yarn = plain.withRopeScaling(RopeScaling.yarn(4, 262144));
        assertEquals(1_048_576, yarn.contextLimit());
        LoadOptions o = LoadOptions.builder().weights(WeightFormat.F32).threads(2).yarnFactor(4).contextLength(1_048_576).build();
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), o)) {
            assertEquals(1_048_576, q.contextLength());
            assertEquals(262144, q.config().ropeScaling().originalMaxPositionEmbeddings());
        }
        NextInferException e = assertThrows(NextInferException.class, () -> Qwen3Next.load(Fixtures.model("tiny-f32"),
                LoadOptions.builder().threads(2).contextLength(300_000).build()));
        assertTrue(e.getMessage().contains("exceeds the model's max_position_embeddings (262144)") && e.getMessage().contains("YaRN"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1000, 300_000})
    void attentionStepMatchesFloat64Reference(int position) {
        LoadOptions o = LoadOptions.builder().weights(WeightFormat.F32).kvCache(KvCacheFormat.F32).threads(2).yarnFactor(4).build();
        try (Qwen3Next q = Qwen3Next.load(Fixtures.model("tiny-f32"), o)) {
            Qwen3NextModel model = q.model();
            Qwen3NextConfig cfg = model.config();
            int layer = 3;
            GatedAttention attention = model.attention(layer);
            AttentionWeights w = model.weights().layers()[layer].selfAttn();
            int hidden = cfg.hiddenSize();
            int nh = cfg.numAttentionHeads();
            int nkv = cfg.numKeyValueHeads();
            int hd = cfg.headDim();
            try (KvCache cache = new KvCache(nkv, hd, position + 1, KvCacheFormat.F32)) {
                SplittableRandom r = new SplittableRandom(position);
                fill(cache, position, r);
                float[] h = new float[hidden];
                for (int i = 0; i < hidden; i++) {
                    h[i] = (float) r.nextGaussian();
                }
                float[] out = new float[hidden];
                attention.forward(model.pool(), MatMulMode.FASTEST, h, 1, cache, out, Workspace.fresh());
                assertEquals(position + 1, cache.length());

                // the reference, in float64 from the f32 weights
                double[] qg = matVec(w.qProj(), h);
                double[] k = matVec(w.kProj(), h);
                double[] v = matVec(w.vProj(), h);
                RopeScaling s = cfg.ropeScaling();
                int rot = cfg.rotaryDim();
                double[] inv = referenceInvFreq(cfg.ropeTheta(), rot, s.factor(), s.originalMaxPositionEmbeddings(), 32, 1, true);
                double mscale = referenceAttentionFactor(s.factor());
                double[] attn = new double[nh * hd];
                double[][] keys = new double[nkv][];
                for (int j = 0; j < nkv; j++) {
                    keys[j] = rope(rmsNorm(slice(k, j * hd, hd), w.kNorm(), cfg.rmsNormEps()), rot, inv, mscale, position);
                    float[] cached = new float[hd];
                    cache.keys(j, position, 1, cached);
                    for (int d = 0; d < hd; d++) { // the engine's rotated key at the new position
                        assertEquals(keys[j][d], cached[d], 2e-5 * (1 + Math.abs(keys[j][d])), "key head " + j + " d" + d);
                    }
                }
                for (int i = 0; i < nh; i++) {
                    int j = i / (nh / nkv);
                    double[] query = rope(rmsNorm(slice(qg, i * 2 * hd, hd), w.qNorm(), cfg.rmsNormEps()), rot, inv, mscale, position);
                    double[] gate = slice(qg, i * 2 * hd + hd, hd);
                    double[] head = attend(query, cache, j, position, keys[j], slice(v, j * hd, hd), hd);
                    for (int d = 0; d < hd; d++) {
                        attn[i * hd + d] = head[d] / (1 + Math.exp(-gate[d]));
                    }
                }
                double[] want = matVec(w.oProj(), attn);
                double max = 0;
                for (double x : want) {
                    max = Math.max(max, Math.abs(x));
                }
                for (int i = 0; i < hidden; i++) {
                    assertEquals(want[i], out[i], 1e-4 * max, "output " + i + " at position " + position);
                }
            }
        }
    }

    private static void fill(KvCache c, int positions, SplittableRandom r) {
        int w = c.width();
        int chunk = 4096;
        float[] k = new float[chunk * w];
        float[] v = new float[chunk * w];
        for (int done = 0; done < positions; done += chunk) {
            int n = Math.min(chunk, positions - done);
            for (int i = 0; i < n * w; i++) {
                k[i] = (float) r.nextGaussian();
                v[i] = (float) r.nextGaussian();
            }
            c.append(k, v, n);
        }
    }

    /** softmax(q·K/√hd)·V over the cached positions [0, p) of kv head j and the new key/value at p. */
    private static double[] attend(double[] q, KvCache cache, int j, int p, double[] kNew, double[] vNew, int hd) {
        double scale = 1 / Math.sqrt(hd);
        int chunk = 4096;
        float[] keys = new float[chunk * hd];
        float[] vals = new float[chunk * hd];
        double[] scores = new double[p + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int p0 = 0; p0 < p; p0 += chunk) {
            int n = Math.min(chunk, p - p0);
            cache.keys(j, p0, n, keys);
            for (int t = 0; t < n; t++) {
                double s = 0;
                for (int d = 0; d < hd; d++) {
                    s += q[d] * keys[t * hd + d];
                }
                scores[p0 + t] = s * scale;
                max = Math.max(max, scores[p0 + t]);
            }
        }
        double s = 0;
        for (int d = 0; d < hd; d++) {
            s += q[d] * kNew[d];
        }
        scores[p] = s * scale;
        max = Math.max(max, scores[p]);
        double sum = 0;
        for (int t = 0; t <= p; t++) {
            scores[t] = Math.exp(scores[t] - max);
            sum += scores[t];
        }
        double[] out = new double[hd];
        for (int p0 = 0; p0 < p; p0 += chunk) {
            int n = Math.min(chunk, p - p0);
            cache.values(j, p0, n, vals);
            for (int t = 0; t < n; t++) {
                for (int d = 0; d < hd; d++) {
                    out[d] += scores[p0 + t] * vals[t * hd + d];
                }
            }
        }
        for (int d = 0; d < hd; d++) {
            out[d] = (out[d] + scores[p] * vNew[d]) / sum;
        }
        return out;
    }

    /** Rotate-half RoPE on the first {@code rot} dims, angles {@code pos·inv[d]}, cos and sin scaled by {@code mscale}. */
    private static double[] rope(double[] x, int rot, double[] inv, double mscale, long pos) {
        double[] y = x.clone();
        int half = rot / 2;
        for (int d = 0; d < half; d++) {
            double a = pos * inv[d];
            double c = Math.cos(a) * mscale;
            double s = Math.sin(a) * mscale;
            y[d] = x[d] * c - x[d + half] * s;
            y[d + half] = x[d + half] * c + x[d] * s;
        }
        return y;
    }

    /** Zero-centred RMSNorm: x·rsqrt(mean x² + eps)·(1 + w). */
    private static double[] rmsNorm(double[] x, float[] w, double eps) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] * inv * (1 + w[i]);
        }
        return y;
    }

    private static double[] matVec(Matrix m, float[] x) {
        double[] xd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
        }
        return matVec(m, xd);
    }

    private static double[] matVec(Matrix m, double[] x) {
        double[] y = new double[m.rows()];
        float[] row = new float[m.cols()];
        for (int r = 0; r < m.rows(); r++) {
            m.row(r, row, 0);
            double s = 0;
            for (int c = 0; c < row.length; c++) {
                s += row[c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    private static double[] slice(double[] a, int off, int n) {
        return java.util.Arrays.copyOfRange(a, off, off + n);
    }
}
