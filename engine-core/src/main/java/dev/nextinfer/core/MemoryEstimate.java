package dev.nextinfer.core;

import dev.nextinfer.core.config.LayerType;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.model.KvCache;
import dev.nextinfer.core.model.KvCacheFormat;
import java.util.Locale;

/**
 * The memory a loaded model needs for sequences of a given length, computed before any compute from the shapes
 * alone: weights (converted matrices plus tensors used in place from the mapped files), KV cache pages for the
 * positions of every full-attention layer (and the MTP head's when speculative decoding records it), the constant
 * DeltaNet states (the live one and the prefix snapshots a session keeps), and scratch (the JVM itself plus the
 * activations of a 512-token prefill chunk, with room for the garbage collector). What admission checks compare
 * against the memory limit.
 *
 * @param positions    positions per sequence (prompt + generated tokens)
 * @param sequences    sequences counted
 * @param kvFormat     KV cache format
 * @param weightBytes  the loaded weights
 * @param kvBytes      KV cache pages of all sequences
 * @param stateBytes   DeltaNet states (live and snapshots) of all sequences
 * @param scratchBytes JVM and activation scratch
 */
public record MemoryEstimate(int positions, int sequences, KvCacheFormat kvFormat, long weightBytes, long kvBytes,
                             long stateBytes, long scratchBytes) {
    /**
     * JVM code, metadata, thread stacks, collector structures and the tokenizer (measured at 200–350 MB), plus the
     * unused part of the last 64 MiB slab of KV pages.
     */
    static final long RUNTIME_BYTES = 448L << 20;
    /**
     * Workspaces of a prefill chunk's activations a model keeps at most (a prefill and a server's batched decode
     * steps; see {@code Qwen3NextModel}).
     */
    static final int WORKSPACES = 2;

    /** Sum of the parts. */
    public long totalBytes() {
        return weightBytes + kvBytes + stateBytes + scratchBytes;
    }

    /** Bytes a sequence adds (KV pages and DeltaNet states), over {@link #sequences()}. */
    public long perSequenceBytes() {
        return sequences == 0 ? 0 : (kvBytes + stateBytes) / sequences;
    }

    /** One line: {@code weights W GB + KV cache K GB (N positions, f16) + DeltaNet state D GB + scratch S GB = T GB}. */
    public String describe() {
        return String.format(Locale.ROOT, "weights %s + KV cache %s (%d positions%s, %s) + DeltaNet state %s + scratch %s = %s",
                gb(weightBytes), gb(kvBytes), positions, sequences == 1 ? "" : " × " + sequences, kvFormat.cliName(),
                gb(stateBytes), gb(scratchBytes), gb(totalBytes()));
    }

    static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
    }

    /**
     * The estimate for {@code sequences} sequences of {@code positions} positions each.
     *
     * @param speculative the sequences record the MTP head's inputs (its KV cache fills too)
     * @param snapshots   DeltaNet snapshots kept per sequence (a {@link Session} keeps up to 3)
     */
    static MemoryEstimate of(Qwen3NextConfig cfg, long weightBytes, KvCacheFormat kv, int positions, int sequences,
                             boolean speculative, int snapshots) {
        int attention = 0;
        int linear = 0;
        for (int i = 0; i < cfg.numHiddenLayers(); i++) {
            if (cfg.layerType(i) == LayerType.FULL_ATTENTION) {
                attention++;
            } else {
                linear++;
            }
        }
        long caches = attention + (speculative ? 1 : 0);
        long kvBytes = caches * KvCache.bytesFor(positions, cfg.numKeyValueHeads(), cfg.headDim(), kv);
        long deltaNet = 4L * linear * ((long) (cfg.linearConvKernelDim() - 1) * cfg.linearConvDim()
                + (long) cfg.linearNumValueHeads() * cfg.linearKeyHeadDim() * cfg.linearValueHeadDim());
        long state = deltaNet * (1 + snapshots);
        return new MemoryEstimate(positions, sequences, kv, weightBytes, sequences * kvBytes, sequences * state,
                scratchBytes(cfg));
    }

    /**
     * The JVM, {@value #WORKSPACES} workspaces of a prefill chunk (every activation array of a layer of each kind, held
     * between calls), and once more the largest layer part's arrays of a chunk plus a row of logits: what the forward
     * pass still allocates per call and the collector has yet to free.
     */
    static long scratchBytes(Qwen3NextConfig cfg) {
        long h = cfg.hiddenSize();
        long attnWidth = (long) cfg.numAttentionHeads() * cfg.headDim();
        long attention = 5 * attnWidth + 2L * cfg.numKeyValueHeads() * cfg.headDim();
        long deltaNet = cfg.linearQkvzDim() + 3L * cfg.linearConvDim()
                + 2L * cfg.linearNumValueHeads() * cfg.linearValueHeadDim() + 2L * cfg.linearNumValueHeads();
        // the experts' rows (top-k per token, then the shared expert's) in, gate and up, out; a dense MLP layer's gate
        // and up (intermediate_size, used only by configs with dense layers) share the gate and up arrays
        long expertWidth = Math.max(cfg.moeIntermediateSize(), cfg.sharedExpertIntermediateSize());
        long gateUp = Math.max((cfg.numExpertsPerTok() + 1L) * 2 * expertWidth, 2L * Math.max(cfg.intermediateSize(), 0));
        long moe = cfg.numExperts() + (long) cfg.numExpertsPerTok() * h + gateUp + (cfg.numExpertsPerTok() + 1L) * h;
        long workspace = 4L * Session.PREFILL_CHUNK * (2 * h + attention + deltaNet + moe);
        long churn = 4L * Session.PREFILL_CHUNK * (5 * h + Math.max(attention, Math.max(deltaNet, moe))) + 4L * cfg.vocabSize();
        return RUNTIME_BYTES + WORKSPACES * workspace + churn;
    }
}
