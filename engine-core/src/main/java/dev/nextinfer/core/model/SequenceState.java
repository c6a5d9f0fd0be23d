package dev.nextinfer.core.model;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.kernels.ThreadPool;
import java.util.Arrays;

/**
 * Everything one sequence carries between forward calls, and the rules that keep it consistent: per layer its
 * {@link LayerState} (a {@link DeltaNetState} or a {@link KvCache}), the MTP head's own cache, the number of
 * positions consumed and the token ids at those positions ({@link #tokens()}). Not thread-safe: one sequence is
 * advanced by one thread at a time.
 *
 * <p>The model runs its layers on the layer states; everything else changes only through this class: advancing
 * past consumed tokens, committing a speculative forward ({@link PendingForward#commit}), feeding the MTP head,
 * and rewinding to a {@link #snapshot()} ({@link #restore}).
 *
 * <p>A state created with {@code recordMtpInputs} also keeps the main model's outputs that the MTP head has not
 * consumed yet ({@link MtpBacklog}), so that drafting ({@link Qwen3NextModel#mtpDraft}) can start at any point and
 * the MTP cache always ends up holding exactly the positions the main model has consumed.
 *
 * <p>The KV caches live off the Java heap ({@link KvCache}, in pages); {@link #close()} returns them at once (a
 * state dropped without closing returns them when it is garbage collected).
 */
public final class SequenceState implements AutoCloseable {
    /** Backlog rows beyond which advancing feeds them to the MTP head at once (bounds memory for long prompts). */
    static final int MTP_BACKLOG_ROWS = 64;

    private final LayerState[] layers;
    // typed views of `layers` (null where a layer is of the other kind), for writeSynthetic
    private final DeltaNetState[] linear;
    private final KvCache[] kv;
    private final KvCache mtpKv;
    private final MtpBacklog mtpBacklog;
    private final int maxPositions;
    private final int hiddenSize;
    private int position;
    /** The ids consumed: valid up to {@code position} (a synthetic fill leaves its positions unwritten, read as 0). */
    private int[] tokens = new int[0];
    /** Post-norm final hidden state of the last consumed position (MTP input), or null. */
    private float[] lastHidden;
    /** Whether a speculative forward awaits its commit. */
    private boolean speculating;

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
        layers = new LayerState[n];
        for (int i = 0; i < n; i++) {
            layers[i] = cfg.layerType(i) == LayerType.LINEAR_ATTENTION
                    ? new DeltaNetState(DeltaNetShape.of(cfg))
                    : new KvCache(cfg.numKeyValueHeads(), cfg.headDim(), maxPositions, kvFormat);
        }
        linear = new DeltaNetState[n];
        kv = new KvCache[n];
        split(layers, linear, kv);
        mtpKv = new KvCache(cfg.numKeyValueHeads(), cfg.headDim(), maxPositions, kvFormat);
        mtpBacklog = recordMtpInputs ? new MtpBacklog(cfg.hiddenSize()) : null;
        this.maxPositions = maxPositions;
        this.hiddenSize = cfg.hiddenSize();
    }

    private SequenceState(SequenceState s) {
        layers = new LayerState[s.layers.length];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = s.layers[i].copy();
        }
        linear = new DeltaNetState[layers.length];
        kv = new KvCache[layers.length];
        split(layers, linear, kv);
        mtpKv = s.mtpKv.copy();
        mtpBacklog = s.mtpBacklog == null ? null : s.mtpBacklog.copy();
        maxPositions = s.maxPositions;
        hiddenSize = s.hiddenSize;
        position = s.position;
        tokens = s.tokens.clone();
        lastHidden = s.lastHidden == null ? null : s.lastHidden.clone();
    }

    private static void split(LayerState[] layers, DeltaNetState[] linear, KvCache[] kv) {
        for (int i = 0; i < layers.length; i++) {
            switch (layers[i]) {
                case DeltaNetState d -> linear[i] = d;
                case KvCache c -> kv[i] = c;
            }
        }
    }

    /** Positions consumed by the main model. */
    public int position() {
        return position;
    }

    /** The token ids consumed by the main model, positions {@code 0 .. position−1} (a copy). */
    public int[] tokens() {
        return Arrays.copyOf(tokens, position);
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
        long n = mtpKv.byteSize();
        for (LayerState l : layers) {
            n += l.byteSize();
        }
        return n;
    }

    /** Bytes of the KV cache pages this state references (main layers and the MTP head's cache). */
    public long kvBytes() {
        long n = mtpKv.byteSize();
        for (LayerState l : layers) {
            n += l instanceof KvCache c ? c.byteSize() : 0;
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
        for (LayerState l : layers) {
            if (l instanceof KvCache c) {
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

    /**
     * A cheap mark of this state at its current position, for rewinding it there later ({@link #restore}): the
     * DeltaNet states are copied (a constant size, whatever the context), the KV caches only remembered by length.
     */
    public PrefixSnapshot snapshot() {
        requireNoPending();
        DeltaNetState[] saved = new DeltaNetState[layers.length];
        for (int i = 0; i < layers.length; i++) {
            saved[i] = layers[i] instanceof DeltaNetState d ? d.copy() : null;
        }
        return new PrefixSnapshot(saved, position, mtpKv.length(), lastHidden == null ? null : lastHidden.clone(),
                mtpBacklog == null ? null : mtpBacklog.copy());
    }

    /**
     * Rewinds this state to {@code s}, a {@link #snapshot()} of it taken at a position it has consumed since,
     * starting with the same tokens: DeltaNet states are copied back, KV caches truncated, and the position,
     * tokens, last hidden state and MTP inputs are those of the snapshot. The next forward continues from there
     * exactly as it would have at the time of the snapshot.
     */
    public void restore(PrefixSnapshot s) {
        if (position < s.position() || layers.length != s.layerCount()) {
            throw new IllegalStateException("snapshot at " + s.position() + " cannot rewind a state at " + position);
        }
        requireNoPending();
        if (mtpBacklog != null && (s.mtpBacklog() == null || mtpKv.length() < s.mtpLength())) {
            throw new IllegalStateException("cannot restore MTP inputs: snapshot taken without them or the MTP cache was rewound");
        }
        for (int i = 0; i < layers.length; i++) {
            switch (layers[i]) {
                case DeltaNetState d -> d.copyFrom(s.deltaNet(i));
                case KvCache c -> c.truncate(s.position());
            }
        }
        mtpKv.truncate(Math.min(s.mtpLength(), mtpKv.length()));
        if (mtpBacklog != null) {
            mtpBacklog.copyFrom(s.mtpBacklog());
        }
        position = s.position();
        lastHidden = s.lastHidden() == null ? null : s.lastHidden().clone();
    }

    // ---- for the graph (Qwen3NextModel, PendingForward)

    int layerCount() {
        return layers.length;
    }

    /** Layer {@code i}'s state, for that layer's forward. */
    LayerState layer(int i) {
        return layers[i];
    }

    /** The MTP head's KV cache. */
    KvCache mtpCache() {
        return mtpKv;
    }

    /** Rows waiting in the MTP backlog (0 when this state does not record MTP inputs). */
    int mtpBacklogRows() {
        return mtpBacklog == null ? 0 : mtpBacklog.rows();
    }

    void requireRoom(int tokens) {
        if (position + tokens > maxPositions) {
            throw new NextInferException("the sequence holds at most " + maxPositions + " positions: " + position + " + " + tokens + " do not fit");
        }
    }

    void requireNoPending() {
        if (speculating) {
            throw new NextInferException("this sequence has an uncommitted speculative forward: commit it first");
        }
    }

    /** Marks a speculative forward as run on this state: no other call until {@link #commit}. */
    void awaitCommit() {
        requireNoPending();
        speculating = true;
    }

    /**
     * Settles the speculative forward over {@code tokens} (normed hidden states {@code hidden}, one
     * {@link LayerUpdate} per layer): keeps the first {@code accepted} tokens as if only they had been run.
     */
    void commit(LayerUpdate[] updates, ThreadPool pool, float[] hidden, int[] tokens, int accepted, MtpHead mtp) {
        speculating = false;
        for (LayerUpdate u : updates) {
            u.apply(pool, accepted);
        }
        advance(hidden, tokens, 0, accepted, mtp);
    }

    /**
     * Advances past {@code n} consumed tokens {@code tokens[from ..]} whose normed hidden states are
     * {@code hidden[0 .. n·H)}, keeping the MTP inputs in step; a long backlog (a prompt) is fed to {@code mtp}
     * right away so that it stays a few rows long.
     */
    void advance(float[] hidden, int[] tokens, int from, int n, MtpHead mtp) {
        if (mtpBacklog != null) {
            syncMtp();
        }
        if (n == 0) {
            return;
        }
        if (mtpBacklog != null) {
            mtpBacklog.appendRows(hidden, 0, n);
        }
        if (position + n > this.tokens.length) {
            this.tokens = Arrays.copyOf(this.tokens, Math.max(position + n, Math.min(2 * this.tokens.length, maxPositions)));
        }
        System.arraycopy(tokens, from, this.tokens, position, n);
        position += n;
        lastHidden = Arrays.copyOfRange(hidden, (n - 1) * hiddenSize, n * hiddenSize);
        if (mtpBacklog != null && mtp != null && mtpBacklog.rows() > MTP_BACKLOG_ROWS) {
            int pairs = mtpBacklog.rows() - 1; // the last row waits for its next token
            mtp.forward(mtpBacklog.hidden(), tokensAt(mtpKv.length() + 1, pairs), pairs, mtpKv);
            mtpBacklog.dropFirst(pairs);
        }
    }

    /**
     * The first draft step of a speculative round: runs {@code mtp} over every position the main model has
     * consumed and the head has not, pairing the last one with {@code next}; returns the head's normed rows. The
     * MTP cache then holds exactly the main model's positions.
     */
    float[] draftMtp(MtpHead mtp, int next) {
        syncMtp(); // drafting again: recompute the uncertain rows
        int n = mtpBacklog.rows();
        int[] nextTokens = tokensAt(mtpKv.length() + 1, n); // the known next tokens, then `next`
        nextTokens[n - 1] = next;
        float[] normed = mtp.forward(mtpBacklog.hidden(), nextTokens, n, mtpKv);
        mtpBacklog.clear();
        return normed;
    }

    /**
     * If drafting ran the MTP head past the main model (its cache holds {@code ≥ P} positions), keeps only the
     * pairs that are certain — positions {@code < P−1}, whose hidden states and next tokens the main model has
     * confirmed — and puts the last hidden state back in the backlog to be paired with whatever comes next.
     */
    private void syncMtp() {
        if (position > 0 && mtpKv.length() >= position) {
            mtpKv.truncate(position - 1);
            mtpBacklog.clear();
            mtpBacklog.appendRows(lastHidden, 0, 1);
        }
    }

    /** The ids at positions {@code from .. from+n} (0 where not recorded). */
    private int[] tokensAt(int from, int n) {
        int[] r = new int[n];
        int known = Math.max(0, Math.min(n, Math.min(tokens.length, position) - from));
        if (known > 0) {
            System.arraycopy(tokens, from, r, 0, known);
        }
        return r;
    }
}
