package dev.nextinfer.kernels;

/**
 * Plain scalar twins of the non-matrix kernels, written as directly from the math as possible (double
 * accumulation, no tricks). The kernel tests compare the production kernels against these.
 */
final class ScalarReference {
    private ScalarReference() {
    }

    static double dot(float[] a, int aOff, float[] b, int bOff, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    static float[] rmsNormZeroCentred(float[] x, float[] w, double eps) {
        double ms = dot(x, 0, x, 0, x.length) / x.length;
        double inv = 1 / Math.sqrt(ms + eps);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * inv * (1 + w[i]));
        }
        return out;
    }

    static float[] rmsNormGated(float[] x, float[] w, float[] z, double eps) {
        double ms = dot(x, 0, x, 0, x.length) / x.length;
        double inv = 1 / Math.sqrt(ms + eps);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (w[i] * x[i] * inv * silu(z[i]));
        }
        return out;
    }

    static float[] l2Normalize(float[] x, double eps) {
        double inv = 1 / Math.sqrt(dot(x, 0, x, 0, x.length) + eps);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (x[i] * inv);
        }
        return out;
    }

    static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double softplus(double x) {
        return Math.log1p(Math.exp(x));
    }

    static float[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            e[i] = Math.exp(x[i] - max);
            sum += e[i];
        }
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) (e[i] / sum);
        }
        return out;
    }

    /** rotate-half RoPE on the first {@code rot} dims of {@code x} at position {@code pos}. */
    static float[] rope(float[] x, int rot, double theta, long pos) {
        float[] out = x.clone();
        int half = rot / 2;
        for (int d = 0; d < half; d++) {
            double a = pos / Math.pow(theta, 2.0 * d / rot);
            out[d] = (float) (x[d] * Math.cos(a) - x[d + half] * Math.sin(a));
            out[d + half] = (float) (x[d + half] * Math.cos(a) + x[d] * Math.sin(a));
        }
        return out;
    }

    /** Causal depthwise conv over a whole sequence with zero history, then optional SiLU: x [T][C], w [C][K]. */
    static float[] causalConv(float[] x, int T, int C, float[] w, int K, boolean silu) {
        float[] out = new float[T * C];
        for (int t = 0; t < T; t++) {
            for (int c = 0; c < C; c++) {
                double acc = 0;
                for (int j = 0; j < K; j++) {
                    int src = t - (K - 1) + j;
                    if (src >= 0) {
                        acc += (double) w[c * K + j] * x[src * C + c];
                    }
                }
                out[t * C + c] = (float) (silu ? silu(acc) : acc);
            }
        }
        return out;
    }

    /**
     * The gated delta rule token by token, in double: S ← S·e^g; S ← S + k ⊗ β(v − Sᵀk); o = Sᵀq. q, k [T][dk],
     * v [T][dv], state S [dk][dv] updated in place.
     */
    static float[] deltaRule(int T, int dk, int dv, float[] q, float[] k, float[] v, float[] g, float[] beta, double[] S) {
        float[] out = new float[T * dv];
        for (int t = 0; t < T; t++) {
            double decay = Math.exp(g[t]);
            for (int i = 0; i < dk * dv; i++) {
                S[i] *= decay;
            }
            for (int d = 0; d < dv; d++) {
                double mem = 0;
                for (int i = 0; i < dk; i++) {
                    mem += S[i * dv + d] * k[t * dk + i];
                }
                double delta = beta[t] * (v[t * dv + d] - mem);
                for (int i = 0; i < dk; i++) {
                    S[i * dv + d] += k[t * dk + i] * delta;
                }
            }
            for (int d = 0; d < dv; d++) {
                double o = 0;
                for (int i = 0; i < dk; i++) {
                    o += S[i * dv + d] * q[t * dk + i];
                }
                out[t * dv + d] = (float) o;
            }
        }
        return out;
    }

    /** Causal softmax attention of one query over {@code len} keys/values of width hd. */
    static float[] attend(float[] q, float[] keys, float[] values, int len, int hd, double scale) {
        double[] s = new double[len];
        double max = Double.NEGATIVE_INFINITY;
        for (int p = 0; p < len; p++) {
            s[p] = scale * dot(q, 0, keys, p * hd, hd);
            max = Math.max(max, s[p]);
        }
        double sum = 0;
        for (int p = 0; p < len; p++) {
            s[p] = Math.exp(s[p] - max);
            sum += s[p];
        }
        float[] out = new float[hd];
        for (int d = 0; d < hd; d++) {
            double o = 0;
            for (int p = 0; p < len; p++) {
                o += s[p] / sum * values[p * hd + d];
            }
            out[d] = (float) o;
        }
        return out;
    }
}
