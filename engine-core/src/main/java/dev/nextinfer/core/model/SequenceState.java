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
     * Makes this fresh state hold {@code depth} positions whose contents {@code contents} writes in place of a
     * prefill: benchmarks and long-context tests get a deep context in seconds (logits computed on top are
     * meaningless; the work done per token is the real one).
     */
    public void writeSynthetic(int depth, SyntheticContents contents) {
        if (position != 0) {
            throw new IllegalStateException("synthetic contents need a fresh state");
        }
        requireRoom(depth);
        java.util.List<float[]> deltaNet = new java.util.ArrayList<>();
        for (DeltaNetState d : linear) {
            if (d != null) {
                deltaNet.add(d.convWindow);
                deltaNet.add(d.recurrent);
            }
        }
        java.util.List<KvCache> caches = new java.util.ArrayList<>();
        for (KvCache c : kv) {
            if (c != null) {
                caches.add(c);
            }
        }
        boolean mtp = depth > 0 && mtpBacklog != null; // otherwise nothing reads the MTP head's cache
        if (mtp) {
            caches.add(mtpKv);
        }
        int[] lengths = new int[caches.size()];
        java.util.Arrays.fill(lengths, depth);
        if (mtp) { // the MTP invariant: its cache holds the positions before the last, whose hidden state waits
            lengths[lengths.length - 1] = depth - 1;
        }
        float[] hidden = depth > 0 ? new float[hiddenSize] : null;
        contents.write(deltaNet, caches, lengths, hidden);
        if (depth > 0) {
            lastHidden = hidden;
            if (mtpBacklog != null) {
                mtpBacklog.appendRows(lastHidden, 0, 1);
            }
        }
        position = depth;
    }

    /** Writes the contents of {@link #writeSynthetic}. */
    @FunctionalInterface
    public interface SyntheticContents {
        /**
         * @param deltaNet   per DeltaNet layer in order, its conv window then its recurrent matrices, to fill
         * @param caches     per attention layer its KV cache, then the MTP head's when the state records MTP inputs
         * @param lengths    positions to append to each of {@code caches}
         * @param lastHidden the last position's final hidden state, to fill (null when there is none: depth 0)
         */
        void write(java.util.List<float[]> deltaNet, java.util.List<KvCache> caches, int[] lengths, float[] lastHidden);
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
