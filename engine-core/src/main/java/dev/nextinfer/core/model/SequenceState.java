package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;

/**
 * Everything one sequence carries between forward calls: per DeltaNet layer its {@link DeltaNetState}, per
 * attention layer its {@link KvCache}, the MTP head's own cache, and the number of positions consumed. Not
 * thread-safe: one sequence is advanced by one thread at a time.
 *
 * <p>A state created with {@code recordMtpInputs} also keeps the main model's outputs that the MTP head has not
 * consumed yet ({@link MtpBacklog}), so that drafting ({@link Qwen3NextModel#mtpDraft}) can start at any point and
 * the MTP cache always ends up holding exactly the positions the main model has consumed.
 *
 * <p>The KV caches live off the Java heap ({@link KvCache}, in pages); {@link #close()} returns them at once (a
 * state dropped without closing returns them when it is garbage collected).
 */
public final class SequenceState implements AutoCloseable {
    final DeltaNetState[] linear;
    final KvCache[] kv;
    final KvCache mtpKv;
    final MtpBacklog mtpBacklog;
    final int maxPositions;
    final int hiddenSize;
    int position;
    /** Post-norm final hidden state of the last consumed position (MTP input), or null. */
    float[] lastHidden;
    /** The speculative forward awaiting its commit, or null. */
    PendingForward pending;

    /** A fresh state for a model of this config holding up to {@code maxPositions} positions. */
    public SequenceState(Qwen3NextConfig cfg, int maxPositions, KvCacheFormat kvFormat) {
        this(cfg, maxPositions, kvFormat, false);
    }

    /**
     * A fresh state; with {@code recordMtpInputs} it also records what the MTP head needs for speculative
     * decoding (a few hidden rows between draft rounds).
     */
    public SequenceState(Qwen3NextConfig cfg, int maxPositions, KvCacheFormat kvFormat, boolean recordMtpInputs) {
        int n = cfg.numHiddenLayers();
        linear = new DeltaNetState[n];
        kv = new KvCache[n];
        for (int i = 0; i < n; i++) {
            if (cfg.layerType(i) == LayerType.LINEAR_ATTENTION) {
                linear[i] = new DeltaNetState(cfg.linearConvDim(), cfg.linearConvKernelDim(),
                        cfg.linearNumValueHeads(), cfg.linearKeyHeadDim(), cfg.linearValueHeadDim());
            } else {
                kv[i] = new KvCache(cfg.numKeyValueHeads(), cfg.headDim(), maxPositions, kvFormat);
            }
        }
        mtpKv = new KvCache(cfg.numKeyValueHeads(), cfg.headDim(), maxPositions, kvFormat);
        mtpBacklog = recordMtpInputs ? new MtpBacklog(cfg.hiddenSize()) : null;
        this.maxPositions = maxPositions;
        this.hiddenSize = cfg.hiddenSize();
    }

    private SequenceState(SequenceState s) {
        linear = new DeltaNetState[s.linear.length];
        kv = new KvCache[s.kv.length];
        for (int i = 0; i < linear.length; i++) {
            linear[i] = s.linear[i] == null ? null : s.linear[i].copy();
            kv[i] = s.kv[i] == null ? null : s.kv[i].copy();
        }
        mtpKv = s.mtpKv.copy();
        mtpBacklog = s.mtpBacklog == null ? null : s.mtpBacklog.copy();
        maxPositions = s.maxPositions;
        hiddenSize = s.hiddenSize;
        position = s.position;
        lastHidden = s.lastHidden == null ? null : s.lastHidden.clone();
    }

    /** Positions consumed by the main model. */
    public int position() {
        return position;
    }

    /** The most positions this state can hold. */
    public int maxPositions() {
        return maxPositions;
    }

    /** Positions in the MTP head's cache. */
    public int mtpPosition() {
        return mtpKv.length();
    }

    /** Whether this state records the MTP head's inputs (speculative decoding). */
    public boolean recordsMtpInputs() {
        return mtpBacklog != null;
    }

    /** The post-norm final hidden state of the last consumed position (a copy), or null before the first. */
    public float[] lastHidden() {
        return lastHidden == null ? null : lastHidden.clone();
    }

    /** Bytes of state held (DeltaNet states and KV caches). */
    public long byteSize() {
        long n = kvBytes();
        for (DeltaNetState d : linear) {
            n += d != null ? d.byteSize() : 0;
        }
        return n;
    }

    /** Bytes of the KV cache pages this state references (main layers and the MTP head's cache). */
    public long kvBytes() {
        long n = mtpKv.byteSize();
        for (KvCache c : kv) {
            n += c != null ? c.byteSize() : 0;
        }
        return n;
    }

    /** The KV cache format. */
    public KvCacheFormat kvFormat() {
        return mtpKv.format();
    }

    /** Returns the KV cache pages to the pool. The state must not be used afterwards. */
    @Override
    public void close() {
        for (KvCache c : kv) {
            if (c != null) {
                c.close();
            }
        }
        mtpKv.close();
    }

    /**
     * For benchmarks: makes this fresh state look as if {@code depth} positions had been consumed — every KV cache
     * filled with {@code depth} positions of random unit-scale keys and values (the MTP head's cache only when this
     * state records MTP inputs: otherwise nothing reads it), DeltaNet states with random values of a realistic
     * scale — without running a prefill. Logits computed on top are meaningless; the work done per token is the
     * real one.
     */
    public void fillSynthetic(int depth, long seed) {
        fillSynthetic(depth, seed, null);
    }

    /** As {@link #fillSynthetic(int, long)}, filling the caches in parallel on {@code pool} (same values). */
    public void fillSynthetic(int depth, long seed, dev.nextinfer.kernels.ThreadPool pool) {
        if (position != 0) {
            throw new IllegalStateException("fillSynthetic needs a fresh state");
        }
        requireRoom(depth);
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < linear.length; i++) {
            if (linear[i] != null) {
                fill(linear[i].convWindow, r, 1.0f);
                fill(linear[i].recurrent, r, 0.05f);
            }
        }
        java.util.List<KvCache> caches = new java.util.ArrayList<>();
        java.util.List<Integer> lengths = new java.util.ArrayList<>();
        for (KvCache c : kv) {
            if (c != null) {
                caches.add(c);
                lengths.add(depth);
            }
        }
        if (depth > 0 && mtpBacklog != null) {
            // the MTP invariant: its cache holds the positions before the last; the last hidden state waits in the
            // backlog for the token that follows it
            caches.add(mtpKv);
            lengths.add(depth - 1);
        }
        long[] seeds = new long[caches.size()];
        for (int i = 0; i < seeds.length; i++) {
            seeds[i] = r.nextLong();
        }
        if (pool == null) {
            for (int i = 0; i < seeds.length; i++) {
                fillCache(caches.get(i), lengths.get(i), seeds[i]);
            }
        } else {
            pool.parallelFor(seeds.length, 1, (a, b) -> {
                for (int i = a; i < b; i++) {
                    fillCache(caches.get(i), lengths.get(i), seeds[i]);
                }
            });
        }
        if (depth > 0) {
            lastHidden = new float[hiddenSize];
            fill(lastHidden, r, 1.0f);
            if (mtpBacklog != null) {
                mtpBacklog.appendRows(lastHidden, 0, 1);
            }
        }
        position = depth;
    }

    private static void fillCache(KvCache c, int positions, long seed) {
        int chunk = 256;
        float[] k = new float[chunk * c.width()];
        float[] v = new float[chunk * c.width()];
        long x = seed | 1;
        for (int done = 0; done < positions; done += chunk) {
            int n = Math.min(chunk, positions - done);
            for (int i = 0; i < n * c.width(); i++) { // xorshift: a fill of 1M positions must take seconds, not minutes
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                k[i] = (float) ((x >>> 40) * 0x1p-23 - 1);
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                v[i] = (float) ((x >>> 40) * 0x1p-23 - 1);
            }
            c.append(k, v, n);
        }
    }

    private static void fill(float[] a, java.util.SplittableRandom r, float scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
    }

    /**
     * A copy (snapshot) that evolves independently: DeltaNet states are copied, KV cache pages shared
     * copy-on-write (a page is copied when either state first writes to it). Close both.
     */
    public SequenceState copy() {
        requireNoPending();
        return new SequenceState(this);
    }

    void requireRoom(int tokens) {
        if (position + tokens > maxPositions) {
            throw new NextInferException("the sequence holds at most " + maxPositions + " positions: " + position + " + " + tokens + " do not fit");
        }
    }

    void requireNoPending() {
        if (pending != null) {
            throw new NextInferException("this sequence has an uncommitted speculative forward: commit it first");
        }
    }

    /**
     * If drafting ran the MTP head past the main model (its cache holds {@code ≥ P} positions), keeps only the
     * pairs that are certain — positions {@code < P−1}, whose hidden states and next tokens the main model has
     * confirmed — and puts the last hidden state back in the backlog to be paired with whatever comes next.
     */
    void syncMtp() {
        if (mtpBacklog != null && position > 0 && mtpKv.length() >= position) {
            mtpKv.truncate(position - 1);
            mtpBacklog.clear();
            mtpBacklog.appendRows(lastHidden, 0, 1);
        }
    }

    /**
     * Advances past {@code n} consumed tokens {@code tokens[from ..]} whose normed hidden states are
     * {@code hidden[0 .. n·H)}, keeping the MTP inputs in step.
     */
    void advance(float[] hidden, int hiddenSize, int[] tokens, int from, int n) {
        if (mtpBacklog != null) {
            syncMtp();
            if (n == 0) {
                return;
            }
            int skip = position == 0 ? 1 : 0; // the first position has no hidden state before it
            mtpBacklog.appendTokens(tokens, from + skip, from + n);
            mtpBacklog.appendRows(hidden, 0, n);
        }
        if (n > 0) {
            position += n;
            lastHidden = java.util.Arrays.copyOfRange(hidden, (n - 1) * hiddenSize, n * hiddenSize);
        }
    }
}
