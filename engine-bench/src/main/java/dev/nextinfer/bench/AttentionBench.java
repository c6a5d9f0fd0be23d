package dev.nextinfer.bench;

import dev.nextinfer.core.model.KvCache;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.kernels.GqaAttention;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decode attention over a long KV cache, one thread: one kv head of Qwen3-Next's full-attention layers (head_dim
 * 256) with the 8 query heads that share it, over {@code depth} cached positions. A decode step runs this for
 * 2 kv heads × 12 layers. Bytes read = the cache's pages (2 · depth · 256 · 2 for f16, 4 for f32, 34/32 for q8_0,
 * 18/32 for q4_0); flops = 4 · 8 · depth · 256.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AttentionBench {
    private static final int HEAD_DIM = 256;
    private static final int GROUP = 8;

    @Param({"4096", "16384", "32768"})
    public int depth;

    @Param({"F16", "F32", "Q8_0", "Q4_0"})
    public String format;

    private KvCache cache;
    private float[] q;
    private int[] limit;
    private float[] out;

    /** Fills one kv head's cache (the other head of the layer is not read) and a query. */
    @Setup(Level.Trial)
    public void fill() {
        cache = new KvCache(1, HEAD_DIM, depth, KvCacheFormat.valueOf(format));
        SplittableRandom r = new SplittableRandom(1);
        float[] k = new float[256 * HEAD_DIM];
        float[] v = new float[256 * HEAD_DIM];
        for (int p = 0; p < depth; p += 256) {
            for (int i = 0; i < k.length; i++) {
                k[i] = (float) r.nextGaussian();
                v[i] = (float) r.nextGaussian();
            }
            cache.append(k, v, Math.min(256, depth - p));
        }
        q = new float[GROUP * HEAD_DIM];
        for (int i = 0; i < q.length; i++) {
            q[i] = (float) r.nextGaussian() / 16f;
        }
        limit = new int[GROUP];
        Arrays.fill(limit, depth);
        out = new float[GROUP * HEAD_DIM];
    }

    /** All positions, one online-softmax pass. */
    @Benchmark
    public float[] decode() {
        GqaAttention.State s = new GqaAttention.State(GROUP, HEAD_DIM);
        GqaAttention.accumulate(cache, 0, q, 0, HEAD_DIM, limit, 0, depth, s);
        GqaAttention.finish(s, out, 0, HEAD_DIM);
        return out;
    }
}
