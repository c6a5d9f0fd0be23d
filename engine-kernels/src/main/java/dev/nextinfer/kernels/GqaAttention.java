package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.Simd.F;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
    /** Species of the register tiles: at most 16 lanes, so 4 vectors of positions never exceed {@link #BLOCK}. */
    private static final VectorSpecies<Float> T = Simd.FB;

    private GqaAttention() {
    }

    /**
     * Where cached keys and values come from (any storage format), decoded to f32 one block of at most
     * {@link #BLOCK} positions at a time. Keys come transposed so that the score kernel can put 16 positions in
     * one vector and needs no horizontal sums; a cache that stores keys in {@code [position/BLOCK][d][BLOCK]}
     * tiles hands out an aligned block with one copy.
     */
    public interface KvSource {
        /**
         * Keys of kv head {@code head} at positions {@code [p0, p0+n)}, {@code n ≤ BLOCK}, transposed:
         * {@code dst[d·BLOCK + i]} is component d of position p0+i. Entries with {@code i ≥ n} may hold anything;
         * they are never used.
         */
        void keysTransposed(int head, int p0, int n, float[] dst);

        /** Values of kv head {@code head} at positions {@code [p0, p0+n)} into {@code dst[i·headDim ..]}. */
        void values(int head, int p0, int n, float[] dst);

        /**
         * The format of the tiles {@link #storedTile} hands out, or null where this source hands out none (then
         * every block goes through {@link #keysTransposed} and {@link #values}).
         */
        default KvTileFormat tileFormat() {
            return null;
        }

        /**
         * The stored tile holding positions {@code [p0, p0 + BLOCK)} ({@code p0} a multiple of {@link #BLOCK}), kv
         * head {@code head}'s keys at {@link #keyOffset} and values at {@link #valueOffset}, in {@link #tileFormat}'s
         * layout; for kernels that read the tile in place.
         */
        default MemorySegment storedTile(int p0) {
            throw new UnsupportedOperationException("no stored tiles");
        }

        /** Byte offset of kv head {@code head}'s key region in a {@link #storedTile}. */
        default long keyOffset(int head) {
            throw new UnsupportedOperationException("no stored tiles");
        }

        /** Byte offset of kv head {@code head}'s value region in a {@link #storedTile}. */
        default long valueOffset(int head) {
            throw new UnsupportedOperationException("no stored tiles");
        }
    }

    /**
     * Online-softmax state of {@code rows} query rows of width {@code headDim}. Not thread-safe; one per task.
     */
    public static final class State {
        final int rows;
        final int headDim;
        final float[] m;
        final float[] l;
        final float[] acc;
        /** Sum of the words {@link #touch} loaded: never used, but written, so that the loads are not removed. */
        long touched;

        /** Empty state (m = −∞, l = 0, acc = 0). */
        public State(int rows, int headDim) {
            this.rows = rows;
            this.headDim = headDim;
            this.m = new float[rows];
            this.l = new float[rows];
            this.acc = new float[rows * headDim];
            Arrays.fill(m, Float.NEGATIVE_INFINITY);
        }
    }

    /**
     * Per-thread blocks of decoded keys, values and scores (~130 KB for head_dim 256), reused across calls: a
     * decode step at depth 16k runs hundreds of {@link #accumulate} tasks, and fresh scratch for each was ~50 MB
     * of garbage per token.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> LOCAL = ThreadLocal.withInitial(Scratch::new);
        float[] kBlock = new float[0];
        float[] vBlock = new float[0];
        float[] p = new float[0];
        float[] q = new float[0];

        static Scratch local(int rows, int headDim) {
            Scratch w = LOCAL.get();
            if (w.q.length < rows * headDim) {
                w.q = new float[rows * headDim];
            }
            if (w.kBlock.length < BLOCK * headDim) {
                w.kBlock = new float[BLOCK * headDim];
                w.vBlock = new float[BLOCK * headDim];
            }
            if (w.p.length < rows * BLOCK) {
                w.p = new float[rows * BLOCK];
            }
            return w;
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
        Scratch w = Scratch.local(s.rows, hd);
        // a few rows (a decode step's query heads) read quantised and f16 tiles in place; many rows (prefill) share
        // one decode of each tile. Stored tiles start at multiples of BLOCK, and so do all blocks of a range that does.
        KvTileFormat format = kv.tileFormat();
        boolean inPlace = s.rows <= 8 && p0 % BLOCK == 0 && format != null && readsInPlace(format, hd);
        float[] qs = q;
        int qsOff = qOff;
        int qsStride = qStride;
        if (inPlace && format == KvTileFormat.F16) {
            // F16Tiles leaves the 2^112 of its widening to the queries and weights (once per query element, not once
            // per cached value); a query too large to carry it has its tiles decoded instead
            inPlace = F16Tiles.prescale(q, qOff, qStride, s.rows, hd, w.q);
            qs = w.q;
            qsOff = 0;
            qsStride = hd;
        }
        for (int b0 = p0; b0 < p1; b0 += BLOCK) {
            int n = Math.min(BLOCK, p1 - b0);
            MemorySegment tile = inPlace ? kv.storedTile(b0) : null;
            if (tile != null && b0 + BLOCK < p1) {
                MemorySegment next = kv.storedTile(b0 + BLOCK);
                s.touched += touch(next, kv.keyOffset(head), format.keyBytes(hd))
                        + touch(next, kv.valueOffset(head), format.valueBytes(hd));
            }
            if (tile != null) {
                scoresInPlace(format, tile, kv.keyOffset(head), qs, qsOff, qsStride, s.rows, n, hd, w.p);
            } else {
                kv.keysTransposed(head, b0, n, w.kBlock);
                for (int r = 0; r < s.rows; r += 4) {
                    scores(q, qOff, qStride, r, Math.min(4, s.rows - r), w.kBlock, n, hd, w.p);
                }
            }
            boolean anyVisible = false;
            for (int r = 0; r < s.rows; r++) {
                int visible = Math.max(0, Math.min(n, limit[r] - b0));
                anyVisible |= visible > 0;
                softmaxUpdate(s, w.p, r, visible, n);
            }
            if (!anyVisible) {
                continue;
            }
            if (tile != null) {
                valuesInPlace(format, tile, kv.valueOffset(head), w.p, s.rows, n, hd, s.acc);
                continue;
            }
            kv.values(head, b0, n, w.vBlock);
            for (int r = 0; r < s.rows; r += 4) {
                weightedValues(s, w, r, Math.min(4, s.rows - r), n);
            }
        }
    }

    /**
     * Loads one word of every cache line of {@code [off, off + bytes)} and returns their sum (kept by the caller, so
     * that the loads stay). A decode step's kernels spend ~30 instructions on each line they read, so the core's
     * window holds only a dozen of their misses at a time and they read DRAM at a quarter of its rate; this loop,
     * two instructions a line, has many misses in flight and brings the next block into cache in a fraction of the
     * time its arithmetic takes (docs/performance.md, "Decode attention: the next block fetched ahead").
     */
    private static long touch(MemorySegment seg, long off, long bytes) {
        long sum = 0;
        for (long o = off; o < off + bytes; o += 64) {
            sum += seg.get(ValueLayout.JAVA_LONG_UNALIGNED, o);
        }
        return sum;
    }

    /** Whether {@code format}'s tiles have kernels that read them in place at head width {@code hd}. */
    private static boolean readsInPlace(KvTileFormat format, int hd) {
        return switch (format) {
            case F16 -> F16Tiles.fits(hd);
            case Q8_0 -> Q8Tiles.fits(hd);
            case Q4_0 -> Q4Tiles.fits(hd);
            case F32 -> false; // nothing to widen: the decode is a copy
        };
    }

    private static void scoresInPlace(KvTileFormat format, MemorySegment tile, long kOff, float[] q, int qOff, int qStride,
                                      int rows, int n, int hd, float[] p) {
        switch (format) {
            case F16 -> F16Tiles.scores(tile, kOff, q, qOff, qStride, 0, rows, n, hd, p);
            case Q8_0 -> Q8Tiles.scores(tile, kOff, q, qOff, qStride, 0, rows, n, hd, p);
            case Q4_0 -> Q4Tiles.scores(tile, kOff, q, qOff, qStride, 0, rows, n, hd, p);
            case F32 -> throw new IllegalStateException("f32 tiles are not read in place");
        }
    }

    private static void valuesInPlace(KvTileFormat format, MemorySegment tile, long vOff, float[] p, int rows, int n,
                                      int hd, float[] acc) {
        switch (format) {
            case F16 -> {
                F16Tiles.prescaleWeights(p, rows, n);
                F16Tiles.weightedValues(tile, vOff, p, 0, rows, n, hd, acc);
            }
            case Q8_0 -> Q8Tiles.weightedValues(tile, vOff, p, 0, rows, n, hd, acc);
            case Q4_0 -> Q4Tiles.weightedValues(tile, vOff, p, 0, rows, n, hd, acc);
            case F32 -> throw new IllegalStateException("f32 tiles are not read in place");
        }
    }

    /**
     * {@code p[r][j] = q_r·k_j} for rows {@code r0 .. r0+m} (m ≤ 4) and positions {@code j < n} from transposed keys
     * {@code kT[d·BLOCK + j]}: a register tile of 4 rows × 4 vectors of positions, so each step of d is 4 key loads
     * and 4 broadcasts for 16 FMAs, and every lane ends with a finished dot product (no horizontal sums). Positions
     * up to the tile's end are computed even past n; those scores are never read.
     */
    private static void scores(float[] q, int qOff, int qStride, int r0, int m, float[] kT, int n, int hd, float[] p) {
        int lanes = T.length();
        int q0 = qOff + r0 * qStride;
        int q1 = q0 + (m > 1 ? qStride : 0);
        int q2 = q0 + (m > 2 ? 2 * qStride : 0);
        int q3 = q0 + (m > 3 ? 3 * qStride : 0);
        for (int j0 = 0; j0 < n; j0 += 4 * lanes) {
            FloatVector a00 = FloatVector.zero(T), a01 = FloatVector.zero(T), a02 = FloatVector.zero(T), a03 = FloatVector.zero(T);
            FloatVector a10 = FloatVector.zero(T), a11 = FloatVector.zero(T), a12 = FloatVector.zero(T), a13 = FloatVector.zero(T);
            FloatVector a20 = FloatVector.zero(T), a21 = FloatVector.zero(T), a22 = FloatVector.zero(T), a23 = FloatVector.zero(T);
            FloatVector a30 = FloatVector.zero(T), a31 = FloatVector.zero(T), a32 = FloatVector.zero(T), a33 = FloatVector.zero(T);
            for (int d = 0; d < hd; d++) {
                int k = d * BLOCK + j0;
                FloatVector k0 = FloatVector.fromArray(T, kT, k);
                FloatVector k1 = FloatVector.fromArray(T, kT, k + lanes);
                FloatVector k2 = FloatVector.fromArray(T, kT, k + 2 * lanes);
                FloatVector k3 = FloatVector.fromArray(T, kT, k + 3 * lanes);
                FloatVector b = FloatVector.broadcast(T, q[q0 + d]);
                a00 = k0.fma(b, a00);
                a01 = k1.fma(b, a01);
                a02 = k2.fma(b, a02);
                a03 = k3.fma(b, a03);
                b = FloatVector.broadcast(T, q[q1 + d]);
                a10 = k0.fma(b, a10);
                a11 = k1.fma(b, a11);
                a12 = k2.fma(b, a12);
                a13 = k3.fma(b, a13);
                b = FloatVector.broadcast(T, q[q2 + d]);
                a20 = k0.fma(b, a20);
                a21 = k1.fma(b, a21);
                a22 = k2.fma(b, a22);
                a23 = k3.fma(b, a23);
                b = FloatVector.broadcast(T, q[q3 + d]);
                a30 = k0.fma(b, a30);
                a31 = k1.fma(b, a31);
                a32 = k2.fma(b, a32);
                a33 = k3.fma(b, a33);
            }
            int o = r0 * BLOCK + j0;
            store4(p, o, lanes, a00, a01, a02, a03);
            if (m > 1) {
                store4(p, o + BLOCK, lanes, a10, a11, a12, a13);
            }
            if (m > 2) {
                store4(p, o + 2 * BLOCK, lanes, a20, a21, a22, a23);
            }
            if (m > 3) {
                store4(p, o + 3 * BLOCK, lanes, a30, a31, a32, a33);
            }
        }
    }

    private static void store4(float[] p, int o, int lanes, FloatVector v0, FloatVector v1, FloatVector v2, FloatVector v3) {
        v0.intoArray(p, o);
        v1.intoArray(p, o + lanes);
        v2.intoArray(p, o + 2 * lanes);
        v3.intoArray(p, o + 3 * lanes);
    }

    /** Online-softmax step for row r: scores → weights e^(s − m_new), rescale the running sum and output. */
    private static void softmaxUpdate(State s, float[] p, int r, int visible, int n) {
        int base = r * BLOCK;
        if (visible == 0) {
            Arrays.fill(p, base, base + n, 0f);
            return;
        }
        int upper = F.loopBound(visible);
        float blockMax = Float.NEGATIVE_INFINITY;
        int j = 0;
        if (upper > 0) {
            FloatVector vm = FloatVector.fromArray(F, p, base);
            for (j = F.length(); j < upper; j += F.length()) {
                vm = vm.max(FloatVector.fromArray(F, p, base + j));
            }
            blockMax = vm.reduceLanes(VectorOperators.MAX);
        }
        for (; j < visible; j++) {
            blockMax = Math.max(blockMax, p[base + j]);
        }
        float newMax = Math.max(s.m[r], blockMax);
        float rescale = (float) Math.exp(s.m[r] - newMax); // 0 when m was −∞
        FloatVector vMax = FloatVector.broadcast(F, newMax);
        for (j = 0; j < upper; j += F.length()) {
            FloatVector.fromArray(F, p, base + j).sub(vMax).intoArray(p, base + j);
        }
        for (; j < visible; j++) {
            p[base + j] -= newMax;
        }
        Simd.exp(p, base, visible);
        FloatVector vSum = FloatVector.zero(F);
        for (j = 0; j < upper; j += F.length()) {
            vSum = vSum.add(FloatVector.fromArray(F, p, base + j));
        }
        float sum = Simd.sum(vSum);
        for (; j < visible; j++) {
            sum += p[base + j];
        }
        Arrays.fill(p, base + visible, base + n, 0f);
        if (rescale != 1f) {
            VectorOps.scale(s.acc, r * s.headDim, s.headDim, rescale);
        }
        s.l[r] = s.l[r] * rescale + sum;
        s.m[r] = newMax;
    }

    /**
     * {@code acc_r += Σ_{j<n} p[r][j]·v_j} for rows r0 .. r0+m (m ≤ 4): a register tile of 4 rows × 4 vectors of
     * the head dimension, so each position costs 4 value loads and 4 broadcasts for 16 FMAs; leftover vectors one
     * at a time, then scalar.
     */
    private static void weightedValues(State s, Scratch w, int r0, int m, int n) {
        int hd = s.headDim;
        float[] p = w.p;
        float[] v = w.vBlock;
        int lanes = T.length();
        int b0 = r0 * BLOCK;
        int b1 = m > 1 ? b0 + BLOCK : b0;
        int b2 = m > 2 ? b0 + 2 * BLOCK : b0;
        int b3 = m > 3 ? b0 + 3 * BLOCK : b0;
        int d = 0;
        for (; d + 4 * lanes <= hd; d += 4 * lanes) {
            valuesTile(s, w, r0, m, n, d);
        }
        for (; d + lanes <= hd; d += lanes) {
            // rows past m alias row r0: they read and write row r0's outputs, which are written last
            int o0 = r0 * hd + d;
            int o1 = m > 1 ? o0 + hd : o0;
            int o2 = m > 2 ? o0 + 2 * hd : o0;
            int o3 = m > 3 ? o0 + 3 * hd : o0;
            FloatVector a0 = FloatVector.fromArray(T, s.acc, o0);
            FloatVector a1 = FloatVector.fromArray(T, s.acc, o1);
            FloatVector a2 = FloatVector.fromArray(T, s.acc, o2);
            FloatVector a3 = FloatVector.fromArray(T, s.acc, o3);
            for (int j = 0; j < n; j++) {
                FloatVector vj = FloatVector.fromArray(T, v, j * hd + d);
                a0 = vj.fma(FloatVector.broadcast(T, p[b0 + j]), a0);
                a1 = vj.fma(FloatVector.broadcast(T, p[b1 + j]), a1);
                a2 = vj.fma(FloatVector.broadcast(T, p[b2 + j]), a2);
                a3 = vj.fma(FloatVector.broadcast(T, p[b3 + j]), a3);
            }
            a3.intoArray(s.acc, o3);
            a2.intoArray(s.acc, o2);
            a1.intoArray(s.acc, o1);
            a0.intoArray(s.acc, o0);
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

    /**
     * The 4 rows × 4 vectors tile of {@link #weightedValues} at head offset d. Its own method with plain loads and
     * stores: C2's inlining node budget is small for methods this full of vector operations (past it, vectors get
     * boxed).
     */
    private static void valuesTile(State s, Scratch sc, int r0, int m, int n, int d) {
        int hd = s.headDim;
        float[] p = sc.p;
        float[] v = sc.vBlock;
        float[] acc = s.acc;
        int lanes = T.length();
        int b0 = r0 * BLOCK;
        int b1 = m > 1 ? b0 + BLOCK : b0;
        int b2 = m > 2 ? b0 + 2 * BLOCK : b0;
        int b3 = m > 3 ? b0 + 3 * BLOCK : b0;
        int o0 = r0 * hd + d;
        int o1 = m > 1 ? o0 + hd : o0;
        int o2 = m > 2 ? o0 + 2 * hd : o0;
        int o3 = m > 3 ? o0 + 3 * hd : o0;
        FloatVector a00 = FloatVector.fromArray(T, acc, o0), a01 = FloatVector.fromArray(T, acc, o0 + lanes);
        FloatVector a02 = FloatVector.fromArray(T, acc, o0 + 2 * lanes), a03 = FloatVector.fromArray(T, acc, o0 + 3 * lanes);
        FloatVector a10 = FloatVector.fromArray(T, acc, o1), a11 = FloatVector.fromArray(T, acc, o1 + lanes);
        FloatVector a12 = FloatVector.fromArray(T, acc, o1 + 2 * lanes), a13 = FloatVector.fromArray(T, acc, o1 + 3 * lanes);
        FloatVector a20 = FloatVector.fromArray(T, acc, o2), a21 = FloatVector.fromArray(T, acc, o2 + lanes);
        FloatVector a22 = FloatVector.fromArray(T, acc, o2 + 2 * lanes), a23 = FloatVector.fromArray(T, acc, o2 + 3 * lanes);
        FloatVector a30 = FloatVector.fromArray(T, acc, o3), a31 = FloatVector.fromArray(T, acc, o3 + lanes);
        FloatVector a32 = FloatVector.fromArray(T, acc, o3 + 2 * lanes), a33 = FloatVector.fromArray(T, acc, o3 + 3 * lanes);
        for (int j = 0; j < n; j++) {
            int vj = j * hd + d;
            FloatVector v0 = FloatVector.fromArray(T, v, vj);
            FloatVector v1 = FloatVector.fromArray(T, v, vj + lanes);
            FloatVector v2 = FloatVector.fromArray(T, v, vj + 2 * lanes);
            FloatVector v3 = FloatVector.fromArray(T, v, vj + 3 * lanes);
            FloatVector w = FloatVector.broadcast(T, p[b0 + j]);
            a00 = v0.fma(w, a00);
            a01 = v1.fma(w, a01);
            a02 = v2.fma(w, a02);
            a03 = v3.fma(w, a03);
            w = FloatVector.broadcast(T, p[b1 + j]);
            a10 = v0.fma(w, a10);
            a11 = v1.fma(w, a11);
            a12 = v2.fma(w, a12);
            a13 = v3.fma(w, a13);
            w = FloatVector.broadcast(T, p[b2 + j]);
            a20 = v0.fma(w, a20);
            a21 = v1.fma(w, a21);
            a22 = v2.fma(w, a22);
            a23 = v3.fma(w, a23);
            w = FloatVector.broadcast(T, p[b3 + j]);
            a30 = v0.fma(w, a30);
            a31 = v1.fma(w, a31);
            a32 = v2.fma(w, a32);
            a33 = v3.fma(w, a33);
        }
        // rows past m alias row r0 and are not stored; stores go last-row-first so row r0's own values win
        if (m > 3) {
            a30.intoArray(acc, o3);
            a31.intoArray(acc, o3 + lanes);
            a32.intoArray(acc, o3 + 2 * lanes);
            a33.intoArray(acc, o3 + 3 * lanes);
        }
        if (m > 2) {
            a20.intoArray(acc, o2);
            a21.intoArray(acc, o2 + lanes);
            a22.intoArray(acc, o2 + 2 * lanes);
            a23.intoArray(acc, o2 + 3 * lanes);
        }
        if (m > 1) {
            a10.intoArray(acc, o1);
            a11.intoArray(acc, o1 + lanes);
            a12.intoArray(acc, o1 + 2 * lanes);
            a13.intoArray(acc, o1 + 3 * lanes);
        }
        a00.intoArray(acc, o0);
        a01.intoArray(acc, o0 + lanes);
        a02.intoArray(acc, o0 + 2 * lanes);
        a03.intoArray(acc, o0 + 3 * lanes);
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
