package dev.nextinfer.core.model;

import dev.nextinfer.kernels.ThreadPool;

/**
 * One layer's share of a speculative forward ({@link Qwen3NextModel#forwardSpeculative}) over {@code T} tokens,
 * to be settled once verification says how many of them to keep.
 */
sealed interface LayerUpdate permits DeltaNetUpdate, LayerUpdate.KvAppend {

    /** Makes the layer's state as if only the first {@code accepted} of the {@code T} tokens had been run. */
    void apply(ThreadPool pool, int accepted);

    /** An attention layer appended the {@code T} positions from {@code start} on; keeping a prefix truncates. */
    record KvAppend(KvCache cache, int start) implements LayerUpdate {
        @Override
        public void apply(ThreadPool pool, int accepted) {
            cache.truncate(start + accepted);
        }
    }
}
