package dev.nextinfer.bench;

import dev.nextinfer.core.model.KvCache;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.kernels.GqaAttention;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Decode attention of a whole step at depth, as the model runs it: 12 full-attention layers × 2 kv heads of
 * Qwen3-Next's shapes (8 query heads per kv head, head_dim 256), each cache split into ranges of 1,024 positions
 * spread over the threads and merged in order. Reports milliseconds per step (fastest and median of the passes) and
 * the rate the cache was read at; the caches together are far larger than any cache level, so every pass streams
 * them from DRAM (with {@code --layers 1 --depth 4096} they stay in cache, which separates arithmetic from memory).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp engine-bench/target/benchmarks.jar dev.nextinfer.bench.AttentionTiming \
 *      [--depth 32768] [--layers 12] [--threads 2] [--format F16] [--passes 30]
 * </pre>
 */
public final class AttentionTiming {
    private static final int HEAD_DIM = 256;
    private static final int KV_HEADS = 2;
    private static final int GROUP = 8;
    private static final int SPLIT = 1024;

    private AttentionTiming() {
    }

    /** Entry point. */
    public static void main(String[] args) {
        int depth = 32768;
        int layers = 12;
        int threads = 2;
        int passes = 30;
        KvCacheFormat format = KvCacheFormat.F16;
        boolean readOnly = false;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--depth" -> depth = Integer.parseInt(args[i + 1]);
                case "--layers" -> layers = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--passes" -> passes = Integer.parseInt(args[i + 1]);
                case "--read" -> readOnly = Boolean.parseBoolean(args[i + 1]);
                case "--format" -> format = KvCacheFormat.valueOf(args[i + 1].toUpperCase(Locale.ROOT));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        SplittableRandom r = new SplittableRandom(1);
        KvCache[] caches = new KvCache[layers];
        float[] k = new float[256 * KV_HEADS * HEAD_DIM];
        float[] v = new float[k.length];
        for (int l = 0; l < layers; l++) {
            caches[l] = new KvCache(KV_HEADS, HEAD_DIM, depth, format);
            for (int p = 0; p < depth; p += 256) {
                for (int i = 0; i < k.length; i++) {
                    k[i] = (float) r.nextGaussian();
                    v[i] = (float) r.nextGaussian();
                }
                caches[l].append(k, v, Math.min(256, depth - p));
            }
        }
        float[] q = new float[KV_HEADS * GROUP * HEAD_DIM];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian() / 16f;
        }
        long bytes = 0;
        for (KvCache c : caches) {
            bytes += c.byteSize();
        }
        float[] out = new float[q.length];
        double[] ms = new double[passes];
        try (ThreadPool pool = new ThreadPool(threads)) {
            for (int warm = 0; warm < 5; warm++) {
                run(readOnly, pool, caches, q, depth, out);
            }
            for (int i = 0; i < passes; i++) {
                long t0 = System.nanoTime();
                run(readOnly, pool, caches, q, depth, out);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = sorted[passes / 2];
        System.out.printf(Locale.ROOT, "%s depth %d, %d layers, %d threads: %.2f ms per step (median %.2f), %.1f GB/s"
                        + " (median %.1f), %.2f GB of cache, checksum %.6f%n", format, depth, layers, threads,
                sorted[0], median, bytes / sorted[0] / 1e6, bytes / median / 1e6, bytes / 1e9, out[0] + out[out.length - 1]);
    }

    private static void run(boolean readOnly, ThreadPool pool, KvCache[] caches, float[] q, int depth, float[] out) {
        if (readOnly) {
            read(pool, caches, depth, out);
        } else {
            step(pool, caches, q, depth, out);
        }
    }

    private static final VectorSpecies<Short> S = ShortVector.SPECIES_PREFERRED;

    /** Reads the same bytes in the same order as {@link #step}, with no arithmetic: what the layout allows. */
    private static void read(ThreadPool pool, KvCache[] caches, int depth, float[] out) {
        int splits = (depth + SPLIT - 1) / SPLIT;
        for (KvCache cache : caches) {
            long region = cache.keyOffset(1) - cache.keyOffset(0);
            pool.parallelFor(KV_HEADS * splits, 1, (u0, u1) -> {
                ShortVector acc = ShortVector.zero(S);
                for (int u = u0; u < u1; u++) {
                    int h = u / splits;
                    int s = u % splits;
                    for (int p = s * SPLIT; p < Math.min(depth, (s + 1) * SPLIT); p += KvCache.PAGE_POSITIONS) {
                        MemorySegment seg = cache.storedTile(p);
                        for (long o = cache.keyOffset(h); o < cache.keyOffset(h) + region; o += S.vectorByteSize()) {
                            acc = acc.add(ShortVector.fromMemorySegment(S, seg, o, ByteOrder.LITTLE_ENDIAN));
                        }
                        for (long o = cache.valueOffset(h); o < cache.valueOffset(h) + region; o += S.vectorByteSize()) {
                            acc = acc.add(ShortVector.fromMemorySegment(S, seg, o, ByteOrder.LITTLE_ENDIAN));
                        }
                    }
                }
                out[u0 % out.length] = acc.reduceLanes(VectorOperators.ADD);
            });
        }
    }

    /** One region per layer, as the model runs its layers one after the other. */
    private static void step(ThreadPool pool, KvCache[] caches, float[] q, int depth, float[] out) {
        int splits = (depth + SPLIT - 1) / SPLIT;
        int[] limit = new int[GROUP];
        Arrays.fill(limit, depth);
        for (KvCache cache : caches) {
            GqaAttention.State[] parts = new GqaAttention.State[KV_HEADS * splits];
            pool.parallelFor(parts.length, 1, (u0, u1) -> {
                for (int u = u0; u < u1; u++) {
                    int h = u / splits;
                    int s = u % splits;
                    GqaAttention.State st = new GqaAttention.State(GROUP, HEAD_DIM);
                    GqaAttention.accumulate(cache, h, q, h * GROUP * HEAD_DIM, HEAD_DIM, limit, s * SPLIT,
                            Math.min(depth, (s + 1) * SPLIT), st);
                    parts[u] = st;
                }
            });
            for (int h = 0; h < KV_HEADS; h++) {
                for (int s = 1; s < splits; s++) {
                    GqaAttention.merge(parts[h * splits], parts[h * splits + s]);
                }
                GqaAttention.finish(parts[h * splits], out, h * GROUP * HEAD_DIM, HEAD_DIM);
            }
        }
    }
}
