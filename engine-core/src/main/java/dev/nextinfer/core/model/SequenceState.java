package dev.nextinfer.core.model;

import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;

/**
 * Everything one sequence carries between forward calls: per DeltaNet layer its {@link DeltaNetState}, per
 * attention layer its {@link KvCache}, the MTP head's own cache, and the number of positions consumed. Not
 * thread-safe: one sequence is advanced by one thread at a time.
 */
public final class SequenceState {
    final DeltaNetState[] linear;
    final KvCache[] kv;
    KvCache mtpKv;
    int position;
    /** Post-norm final hidden state of the last consumed position (MTP input), or null. */
    float[] lastHidden;

    /** A fresh state for a model of this config holding up to {@code maxPositions} positions. */
    public SequenceState(Qwen3NextConfig cfg, int maxPositions, KvCacheFormat kvFormat) {
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
    }

    private SequenceState(DeltaNetState[] linear, KvCache[] kv, KvCache mtpKv, int position, float[] lastHidden) {
        this.linear = linear;
        this.kv = kv;
        this.mtpKv = mtpKv;
        this.position = position;
        this.lastHidden = lastHidden;
    }

    /** Positions consumed by the main model. */
    public int position() {
        return position;
    }

    /** Positions in the MTP head's cache. */
    public int mtpPosition() {
        return mtpKv.length();
    }

    /** Bytes of state held (DeltaNet states and KV caches). */
    public long byteSize() {
        long n = mtpKv.byteSize();
        for (int i = 0; i < linear.length; i++) {
            n += linear[i] != null ? linear[i].byteSize() : kv[i].byteSize();
        }
        return n;
    }

    /**
     * For benchmarks: makes this fresh state look as if {@code depth} positions had been consumed — every KV cache
     * (main and MTP) filled with {@code depth} positions of random unit-scale keys and values, DeltaNet states with
     * random values of a realistic scale — without running a prefill. Logits computed on top are meaningless; the
     * work done per token is the real one.
     */
    public void fillSynthetic(int depth, long seed) {
        if (position != 0) {
            throw new IllegalStateException("fillSynthetic needs a fresh state");
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        int chunk = 256;
        for (int i = 0; i < linear.length; i++) {
            if (linear[i] != null) {
                fill(linear[i].convWindow, r, 1.0f);
                fill(linear[i].recurrent, r, 0.05f);
            }
        }
        for (KvCache c : allCaches()) {
            float[] k = new float[chunk * c.width()];
            float[] v = new float[chunk * c.width()];
            for (int done = 0; done < depth; done += chunk) {
                int n = Math.min(chunk, depth - done);
                fill(k, r, 1.0f);
                fill(v, r, 1.0f);
                c.append(k, v, n);
            }
        }
        position = depth;
    }

    private java.util.List<KvCache> allCaches() {
        java.util.List<KvCache> caches = new java.util.ArrayList<>();
        for (KvCache c : kv) {
            if (c != null) {
                caches.add(c);
            }
        }
        caches.add(mtpKv);
        return caches;
    }

    private static void fill(float[] a, java.util.SplittableRandom r, float scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
    }

    /** A deep copy (snapshot). */
    public SequenceState copy() {
        DeltaNetState[] l = new DeltaNetState[linear.length];
        KvCache[] k = new KvCache[kv.length];
        for (int i = 0; i < l.length; i++) {
            l[i] = linear[i] == null ? null : linear[i].copy();
            k[i] = kv[i] == null ? null : kv[i].copy();
        }
        return new SequenceState(l, k, mtpKv.copy(), position, lastHidden == null ? null : lastHidden.clone());
    }
}
