package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Causal softmax attention for grouped-query attention, one kv head at a time: every query row that shares the
 * kv head is processed against each block of cached positions while the block is hot, so keys and values are read
 * once per kv head (not once per query head). Uses the online softmax: per row a running max {@code m}, sum
 * {@code l} and unnormalised output {@code acc}, so a long cache can be split into ranges processed independently
 * and {@link #merge merged}.
 */
public final class GqaAttention {
    /** Cached positions decoded and processed together. */
    public static final int BLOCK = 64;

    private GqaAttention() {
    }

    /** Where cached keys and values come from (any storage format), decoded to f32 one block at a time. */
    public interface KvSource {
        /** Keys of kv head {@code head} at positions {@code [p0, p0+n)} into {@code dst[i·headDim ..]}. */
        void keys(int head, int p0, int n, float[] dst);

        /** Values likewise. */
        void values(int head, int p0, int n, float[] dst);
    }

    /**
     * Online-softmax state of {@code rows} query rows of width {@code headDim}, with the scratch one
     * {@link #accumulate} call needs. Not thread-safe; one per task.
     */
    public static final class State {
        final int rows;
        final int headDim;
        final float[] m;
        final float[] l;
        final float[] acc;
        final float[] kBlock;
        final float[] vBlock;
        final float[] p;

        /** Empty state (m = −∞, l = 0, acc = 0). */
        public State(int rows, int headDim) {
            this.rows = rows;
            this.headDim = headDim;
            this.m = new float[rows];
            this.l = new float[rows];
            this.acc = new float[rows * headDim];
            this.kBlock = new float[BLOCK * headDim];
            this.vBlock = new float[BLOCK * headDim];
            this.p = new float[rows * BLOCK];
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
        }
    }

    /**
     * Adds positions {@code [p0, p1)} of kv head {@code head} to the state. Query row {@code r} is
     * {@code q[qOff + r·qStride ..]} (already scaled by {@code 1/√headDim}) and sees only positions
     * {@code < limit[r]}.
     */
    public static void accumulate(KvSource kv, int head, float[] q, int qOff, int qStride, int[] limit,
                                  int p0, int p1, State s) {
        int hd = s.headDim;
        int maxLimit = 0;
        for (int r = 0; r < s.rows; r++) {
            maxLimit = Math.max(maxLimit, limit[r]);
        }
        p1 = Math.min(p1, maxLimit);
        for (int b0 = p0; b0 < p1; b0 += BLOCK) {
            int n = Math.min(BLOCK, p1 - b0);
            kv.keys(head, b0, n, s.kBlock);
            for (int r = 0; r < s.rows; r += 4) {
                scores(q, qOff, qStride, r, Math.min(4, s.rows - r), s.kBlock, n, hd, s.p);
            }
            boolean anyVisible = false;
            for (int r = 0; r < s.rows; r++) {
                int visible = Math.max(0, Math.min(n, limit[r] - b0));
                anyVisible |= visible > 0;
                softmaxUpdate(s, r, visible, n);
            }
            if (!anyVisible) {
                continue;
            }
            kv.values(head, b0, n, s.vBlock);
            for (int r = 0; r < s.rows; r += 4) {
                weightedValues(s, r, Math.min(4, s.rows - r), n);
            }
        }
    }

    /** {@code p[r][j] = q_r·k_j} for rows {@code r0 .. r0+m} (m ≤ 4): each key load feeds m FMAs. */
    private static void scores(float[] q, int qOff, int qStride, int r0, int m, float[] k, int n, int hd, float[] p) {
        int upper = F.loopBound(hd);
        int q0 = qOff + r0 * qStride;
        int q1 = q0 + (m > 1 ? qStride : 0);
        int q2 = q0 + (m > 2 ? 2 * qStride : 0);
        int q3 = q0 + (m > 3 ? 3 * qStride : 0);
        for (int j = 0; j < n; j++) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            int kj = j * hd;
            int d = 0;
            for (; d < upper; d += F.length()) {
                FloatVector kv = FloatVector.fromArray(F, k, kj + d);
                a0 = FloatVector.fromArray(F, q, q0 + d).fma(kv, a0);
                a1 = FloatVector.fromArray(F, q, q1 + d).fma(kv, a1);
                a2 = FloatVector.fromArray(F, q, q2 + d).fma(kv, a2);
                a3 = FloatVector.fromArray(F, q, q3 + d).fma(kv, a3);
            }
            float s0 = a0.reduceLanes(VectorOperators.ADD);
            float s1 = a1.reduceLanes(VectorOperators.ADD);
            float s2 = a2.reduceLanes(VectorOperators.ADD);
            float s3 = a3.reduceLanes(VectorOperators.ADD);
            for (; d < hd; d++) {
                float kd = k[kj + d];
                s0 += q[q0 + d] * kd;
                s1 += q[q1 + d] * kd;
                s2 += q[q2 + d] * kd;
                s3 += q[q3 + d] * kd;
            }
            p[r0 * BLOCK + j] = s0;
            if (m > 1) {
                p[(r0 + 1) * BLOCK + j] = s1;
            }
            if (m > 2) {
                p[(r0 + 2) * BLOCK + j] = s2;
            }
            if (m > 3) {
                p[(r0 + 3) * BLOCK + j] = s3;
            }
        }
    }

    /** Online-softmax step for row r: scores → weights e^(s − m_new), rescale the running sum and output. */
    private static void softmaxUpdate(State s, int r, int visible, int n) {
        int base = r * BLOCK;
        if (visible == 0) {
            java.util.Arrays.fill(s.p, base, base + n, 0f);
            return;
        }
        float blockMax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < visible; j++) {
            blockMax = Math.max(blockMax, s.p[base + j]);
        }
        float newMax = Math.max(s.m[r], blockMax);
        float rescale = (float) Math.exp(s.m[r] - newMax); // 0 when m was −∞
        FloatVector vMax = FloatVector.broadcast(F, newMax);
        FloatVector vSum = FloatVector.zero(F);
        int upper = F.loopBound(visible);
        int j = 0;
        for (; j < upper; j += F.length()) {
            FloatVector e = FloatVector.fromArray(F, s.p, base + j).sub(vMax).lanewise(VectorOperators.EXP);
            e.intoArray(s.p, base + j);
            vSum = vSum.add(e);
        }
        float sum = vSum.reduceLanes(VectorOperators.ADD);
        for (; j < visible; j++) {
            float e = (float) Math.exp(s.p[base + j] - newMax);
            s.p[base + j] = e;
            sum += e;
        }
        java.util.Arrays.fill(s.p, base + visible, base + n, 0f);
        if (rescale != 1f) {
            VectorOps.scale(s.acc, r * s.headDim, s.headDim, rescale);
        }
        s.l[r] = s.l[r] * rescale + sum;
        s.m[r] = newMax;
    }

    /** {@code acc_r += Σ_j p[r][j]·v_j} for rows r0 .. r0+m (m ≤ 4), accumulators in registers per lane chunk. */
    private static void weightedValues(State s, int r0, int m, int n) {
        int hd = s.headDim;
        float[] p = s.p;
        float[] v = s.vBlock;
        int upper = F.loopBound(hd);
        int b0 = r0 * BLOCK;
        int b1 = m > 1 ? b0 + BLOCK : b0;
        int b2 = m > 2 ? b0 + 2 * BLOCK : b0;
        int b3 = m > 3 ? b0 + 3 * BLOCK : b0;
        int d = 0;
        for (; d < upper; d += F.length()) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            FloatVector a2 = FloatVector.zero(F);
            FloatVector a3 = FloatVector.zero(F);
            for (int j = 0; j < n; j++) {
                FloatVector vj = FloatVector.fromArray(F, v, j * hd + d);
                a0 = vj.fma(FloatVector.broadcast(F, p[b0 + j]), a0);
                a1 = vj.fma(FloatVector.broadcast(F, p[b1 + j]), a1);
                a2 = vj.fma(FloatVector.broadcast(F, p[b2 + j]), a2);
                a3 = vj.fma(FloatVector.broadcast(F, p[b3 + j]), a3);
            }
            int o = r0 * hd + d;
            FloatVector.fromArray(F, s.acc, o).add(a0).intoArray(s.acc, o);
            if (m > 1) {
                FloatVector.fromArray(F, s.acc, o + hd).add(a1).intoArray(s.acc, o + hd);
            }
            if (m > 2) {
                FloatVector.fromArray(F, s.acc, o + 2 * hd).add(a2).intoArray(s.acc, o + 2 * hd);
            }
            if (m > 3) {
                FloatVector.fromArray(F, s.acc, o + 3 * hd).add(a3).intoArray(s.acc, o + 3 * hd);
            }
        }
        for (; d < hd; d++) {
            for (int r = r0; r < r0 + m; r++) {
                float a = 0f;
                for (int j = 0; j < n; j++) {
                    a += p[r * BLOCK + j] * v[j * hd + d];
                }
                s.acc[r * hd + d] += a;
            }
        }
    }

    /** Folds {@code from} into {@code into} (same rows): the softmax over the union of their positions. */
    public static void merge(State into, State from) {
        int hd = into.headDim;
        for (int r = 0; r < into.rows; r++) {
            if (from.m[r] == Float.NEGATIVE_INFINITY) {
                continue;
            }
            float newMax = Math.max(into.m[r], from.m[r]);
            float a = (float) Math.exp(into.m[r] - newMax);
            float b = (float) Math.exp(from.m[r] - newMax);
            VectorOps.scale(into.acc, r * hd, hd, a);
            VectorOps.axpy(b, from.acc, r * hd, into.acc, r * hd, hd);
            into.l[r] = into.l[r] * a + from.l[r] * b;
            into.m[r] = newMax;
        }
    }

    /** Writes row {@code r}'s attention output {@code acc / l} to {@code out[outOff + r·outStride ..]}. */
    public static void finish(State s, float[] out, int outOff, int outStride) {
        int hd = s.headDim;
        for (int r = 0; r < s.rows; r++) {
            float inv = s.l[r] > 0 ? 1f / s.l[r] : 0f;
            int o = outOff + r * outStride;
            System.arraycopy(s.acc, r * hd, out, o, hd);
            VectorOps.scale(out, o, hd, inv);
        }
    }
}
