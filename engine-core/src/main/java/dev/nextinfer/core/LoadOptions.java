package dev.nextinfer.core;

import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.core.weights.WeightFormat;

/**
 * How to load a checkpoint. Build with {@link #builder()}; {@link #defaults()} keeps weights as stored (f32/bf16
 * in place, f16/fp8 widened to f32) and uses one thread per core.
 *
 * @param weights  compute format of the large matrices, or null for "as stored"
 * @param threads  worker threads (≥ 1), or 0 for one per available processor
 * @param listener progress while loading
 * @param kvCache  format of cached keys/values, or null for automatic: f16 when the matrices end up quantised
 *                 (q8_0, q4_0 — converted at load or mapped from a quantised checkpoint), f32 (exact) otherwise
 * @param contextLength most positions per sequence (prompt + generated), or 0 for the model's
 *                      {@code max_position_embeddings}
 */
public record LoadOptions(WeightFormat weights, int threads, LoadListener listener, KvCacheFormat kvCache,
                          int contextLength) {

    /** Validates the options. */
    public LoadOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be ≥ 0 (0 = one per core), got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be ≥ 0 (0 = the model's maximum), got " + contextLength);
        }
        listener = listener == null ? LoadListener.NONE : listener;
    }

    /** Options without a context limit of their own (the model's maximum). */
    public LoadOptions(WeightFormat weights, int threads, LoadListener listener, KvCacheFormat kvCache) {
        this(weights, threads, listener, kvCache, 0);
    }

    /** Weights as stored, all cores, no progress reports. */
    public static LoadOptions defaults() {
        return builder().build();
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** The KV cache format to use: {@link #kvCache()}, or the automatic choice given whether the weights are quantised. */
    public KvCacheFormat effectiveKvCache(boolean quantisedWeights) {
        if (kvCache != null) {
            return kvCache;
        }
        return quantisedWeights ? KvCacheFormat.F16 : KvCacheFormat.F32;
    }

    /** The thread count to use: {@link #threads()} or the number of available processors. */
    public int effectiveThreads() {
        return threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    /** Builder of {@link LoadOptions}. */
    public static final class Builder {
        private WeightFormat weights;
        private int threads;
        private LoadListener listener = LoadListener.NONE;
        private KvCacheFormat kvCache;
        private int contextLength;

        private Builder() {
        }

        /** Most positions per sequence; 0 = the model's {@code max_position_embeddings}. */
        public Builder contextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        /** KV cache format; null = automatic (f16 with quantised weights, else f32). */
        public Builder kvCache(KvCacheFormat kvCache) {
            this.kvCache = kvCache;
            return this;
        }

        /** Compute format of the large matrices; null = as stored. */
        public Builder weights(WeightFormat weights) {
            this.weights = weights;
            return this;
        }

        /** Worker threads; 0 = one per available processor. */
        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /** Progress listener. */
        public Builder listener(LoadListener listener) {
            this.listener = listener;
            return this;
        }

        /** The options. */
        public LoadOptions build() {
            return new LoadOptions(weights, threads, listener, kvCache, contextLength);
        }
    }
}
