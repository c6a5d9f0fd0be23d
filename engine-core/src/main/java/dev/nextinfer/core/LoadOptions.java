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
 * @param kvCache  format of cached keys/values ({@code F32}, {@code F16}, {@code Q8_0}, {@code Q4_0}), or null for
 *                 automatic: f16 when the matrices end up quantised (q8_0, q4_0 — converted at load or mapped from a
 *                 quantised checkpoint), f32 (exact) otherwise
 * @param contextLength most positions per sequence (prompt + generated), or 0 for the model's context limit
 *                      ({@link dev.nextinfer.core.config.Qwen3NextConfig#contextLimit()}) or as much of it as fits
 *                      in memory
 * @param memoryLimit bytes the model may use in all (weights, KV caches, states, scratch), or 0 to detect the
 *                    memory available at load time
 * @param yarnFactor  YaRN context extension factor F ≥ 1 over the config's {@code max_position_embeddings} (as
 *                    adding {@code rope_scaling: {rope_type: yarn, factor: F, original_max_position_embeddings}}
 *                    to {@code config.json}), or 0 to keep the config's RoPE scaling
 * @param int8Activations multiply IQ4_NL, IQ4_XS, Q2_K, Q3_K, Q4_0, Q4_K, Q5_0, Q5_K, Q6_K and Q8_0 matrices (all
 *                        of an IQ4_NL, IQ4_XS, Q2_K, Q3_K_M, Q4_0, Q4_K_M, Q5_0, Q5_K_M, Q6_K or Q8_0 file) with
 *                        activations quantised to int8 per block of 32 (llama.cpp's rule) through the integer
 *                        kernels, on copies repacked at load with rows in vector lanes (4.5, 4.38, 2.75, 3.63, 4.5, 4.75,
 *                        5.5, 5.75, 8.6 and 8.5 bits per weight against 4.5, 4.25, 2.63, 3.44, 4.5, 4.5, 5.5, 5.5, 6.56
 *                        and 8.5; the load reads every such tensor),
 *                        in decode steps (mat-vecs and few-row products) and in a prefill's products of a few rows
 *                        (its experts): faster, but those products round like llama.cpp's, not exactly. A prefill's
 *                        products of many rows multiply the same values in exact f32. Other formats are
 *                        unaffected
 */
public record LoadOptions(WeightFormat weights, int threads, LoadListener listener, KvCacheFormat kvCache,
                          int contextLength, long memoryLimit, double yarnFactor, boolean int8Activations) {

    /** Validates the options. */
    public LoadOptions {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be ≥ 0 (0 = one per core), got " + threads);
        }
        if (contextLength < 0) {
            throw new IllegalArgumentException("contextLength must be ≥ 0 (0 = the model's maximum), got " + contextLength);
        }
        if (memoryLimit < 0) {
            throw new IllegalArgumentException("memoryLimit must be ≥ 0 (0 = detect), got " + memoryLimit);
        }
        if (!(yarnFactor == 0 || yarnFactor >= 1)) {
            throw new IllegalArgumentException("yarnFactor must be ≥ 1 (0 = the config's), got " + yarnFactor);
        }
        listener = listener == null ? LoadListener.NONE : listener;
    }

    /** Options with the exact f32 kernels. */
    public LoadOptions(WeightFormat weights, int threads, LoadListener listener, KvCacheFormat kvCache,
                       int contextLength, long memoryLimit, double yarnFactor) {
        this(weights, threads, listener, kvCache, contextLength, memoryLimit, yarnFactor, false);
    }

    /** Options without a context limit of their own (the model's maximum). */
    public LoadOptions(WeightFormat weights, int threads, LoadListener listener, KvCacheFormat kvCache) {
        this(weights, threads, listener, kvCache, 0);
    }

    /** Options with a detected memory limit and the config's RoPE scaling. */
    public LoadOptions(WeightFormat weights, int threads, LoadListener listener, KvCacheFormat kvCache, int contextLength) {
        this(weights, threads, listener, kvCache, contextLength, 0, 0);
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
        private long memoryLimit;
        private double yarnFactor;
        private boolean int8Activations;

        private Builder() {
        }

        /** The integer kernels with int8 activations (faster, not exact; see {@link LoadOptions}); false = exact f32 kernels. */
        public Builder int8Activations(boolean on) {
            this.int8Activations = on;
            return this;
        }

        /** Most positions per sequence; 0 = the model's context limit, or as much of it as fits in memory. */
        public Builder contextLength(int contextLength) {
            this.contextLength = contextLength;
            return this;
        }

        /** Bytes the model may use in all; 0 = the memory available at load time. */
        public Builder memoryLimit(long memoryLimit) {
            this.memoryLimit = memoryLimit;
            return this;
        }

        /** YaRN context extension by {@code factor} (≥ 1); 0 = the config's RoPE scaling. */
        public Builder yarnFactor(double factor) {
            this.yarnFactor = factor;
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
            return new LoadOptions(weights, threads, listener, kvCache, contextLength, memoryLimit, yarnFactor, int8Activations);
        }
    }
}
