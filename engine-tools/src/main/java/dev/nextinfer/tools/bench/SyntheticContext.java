package dev.nextinfer.tools.bench;

import dev.nextinfer.core.model.KvCache;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.kernels.ThreadPool;
import java.util.SplittableRandom;

/**
 * A deep context without its prefill, for benchmarks and long-context tests: makes a fresh state look as if
 * {@code depth} positions had been consumed — every KV cache filled with {@code depth} positions of random
 * unit-scale keys and values (the MTP head's cache only when the state records MTP inputs: otherwise nothing reads
 * it), DeltaNet states with random values of a realistic scale. Logits computed on top are meaningless; the work
 * done per token is the real one. The values depend on the seed only (not on the pool or the KV cache format).
 */
public final class SyntheticContext {
    private SyntheticContext() {
    }

    /** Fills {@code state} with {@code depth} synthetic positions. */
    public static void fill(SequenceState state, int depth, long seed) {
        fill(state, depth, seed, null);
    }

    /** As {@link #fill(SequenceState, int, long)}, filling the caches in parallel on {@code pool} (same values). */
    public static void fill(SequenceState state, int depth, long seed, ThreadPool pool) {
        state.writeSynthetic(depth, (deltaNet, caches, lengths, lastHidden) -> {
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < deltaNet.size(); i += 2) {
                fill(deltaNet.get(i), r, 1.0f); // conv window
                fill(deltaNet.get(i + 1), r, 0.05f); // recurrent matrices
            }
            long[] seeds = new long[caches.size()];
            for (int i = 0; i < seeds.length; i++) {
                seeds[i] = r.nextLong();
            }
            if (pool == null) {
                for (int i = 0; i < seeds.length; i++) {
                    fillCache(caches.get(i), lengths[i], seeds[i]);
                }
            } else {
                pool.parallelFor(seeds.length, 1, (a, b) -> {
                    for (int i = a; i < b; i++) {
                        fillCache(caches.get(i), lengths[i], seeds[i]);
                    }
                });
            }
            if (lastHidden != null) {
                fill(lastHidden, r, 1.0f);
            }
        });
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

    private static void fill(float[] a, SplittableRandom r, float scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
    }
}
