package dev.nextinfer.bench;

import dev.nextinfer.kernels.CausalConv1d;
import dev.nextinfer.kernels.DeltaRule;
import dev.nextinfer.kernels.ThreadPool;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What rolling back the DeltaNet state costs per verification, on the real Qwen3-Next-80B-A3B shapes (36 DeltaNet
 * layers × 32 value heads × S[128][128] f32 = 75.5 MB, conv windows 3 × 8192 per layer). No weights needed.
 *
 * <ul>
 *   <li>{@code deferredCommit}: what {@code PendingForward.commit(a)} does — per head one read-write pass over S
 *       ({@code DeltaRule.advance}) plus the conv-window shift;
 *   <li>{@code snapshotCopy}: the simple alternative's copy of every S and conv window before verifying (a
 *       restore after a partial acceptance costs the same again, plus a replay of the accepted tokens through
 *       the whole model);
 *   <li>{@code decodeStepStateUpdate} / {@code verifyChunkOutputs}: the delta-rule work on S of a plain decode step
 *       and of a verification pass over T tokens, for scale.
 * </ul>
 *
 * Sample mode: the percentiles (p0 = fastest, p50 = median) stay meaningful when other processes share the cores.
 * Run: {@code java -jar engine-bench/target/benchmarks.jar RollbackBench -p threads=2}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx2g"})
public class RollbackBench {
    static final int LAYERS = 36;
    static final int NV = 32;
    static final int NK = 16;
    static final int DK = 128;
    static final int DV = 128;
    static final int CONV = 2 * NK * DK + NV * DV;
    static final int KERNEL = 4;

    /** Tokens kept (a) or run (T = k + 1) per verification. */
    @Param({"1", "3", "5"})
    public int tokens;

    /** Threads of the pool (the machine's cores). */
    @Param({"2"})
    public int threads;

    private ThreadPool pool;
    private float[][] S;
    private float[][] snapS;
    private float[][] window;
    private float[][] snapWindow;
    private float[] mixed;
    private float[] conv;   // [T][CONV]: q | k | v per token
    private float[] gc;     // [NV][T]
    private float[] vNew;   // [NV][T][DV]
    private float[] g;
    private float[] beta;
    private float[] out;

    @Setup(Level.Trial)
    public void setup() {
        pool = new ThreadPool(threads);
        SplittableRandom r = new SplittableRandom(1);
        S = new float[LAYERS][NV * DK * DV];
        snapS = new float[LAYERS][NV * DK * DV];
        window = new float[LAYERS][(KERNEL - 1) * CONV];
        snapWindow = new float[LAYERS][(KERNEL - 1) * CONV];
        for (float[] s : S) {
            fill(s, r, 0.1);
        }
        int T = tokens;
        mixed = new float[T * CONV];
        conv = new float[T * CONV];
        fill(mixed, r, 1);
        fill(conv, r, 1.0 / Math.sqrt(DK)); // roughly unit-norm keys
        gc = new float[NV * T];
        vNew = new float[NV * T * DV];
        fill(vNew, r, 1);
        for (int j = 0; j < NV; j++) {
            for (int t = 0; t < T; t++) {
                gc[j * T + t] = -0.1f * (t + 1);
            }
        }
        g = new float[T * NV];
        beta = new float[T * NV];
        java.util.Arrays.fill(g, -0.1f);
        java.util.Arrays.fill(beta, 0.5f);
        out = new float[T * NV * DV];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private static void fill(float[] a, SplittableRandom r, double scale) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) (scale * (2 * r.nextDouble() - 1));
        }
    }

    /** The deferred commit of {@code tokens} accepted positions over all 36 layers. */
    @Benchmark
    public float deferredCommit() {
        int a = tokens;
        for (int l = 0; l < LAYERS; l++) {
            float[] s = S[l];
            pool.parallelFor(NV, 1, (j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    int kOff = NK * DK + (j / (NV / NK)) * DK;
                    DeltaRule.advance(a, new DeltaRule.Strided(conv, kOff, CONV), new DeltaRule.Carry(gc, j * a, vNew, j * a * DV),
                            new DeltaRule.State(s, j * DK * DV, DK, DV));
                }
            });
            CausalConv1d.pushWindow(mixed, CONV, a, CONV, 0, CONV, KERNEL, window[l]);
        }
        return S[0][0];
    }

    /** The snapshot alternative's copy of all DeltaNet states (a restore is the same copy the other way). */
    @Benchmark
    public float snapshotCopy() {
        for (int l = 0; l < LAYERS; l++) {
            int layer = l;
            pool.parallelFor(NV, 1, (j0, j1) ->
                    System.arraycopy(S[layer], j0 * DK * DV, snapS[layer], j0 * DK * DV, (j1 - j0) * DK * DV));
            System.arraycopy(window[l], 0, snapWindow[l], 0, window[l].length);
        }
        return snapS[0][0];
    }

    /** A plain decode step's delta rule over all layers (recurrent, one token): reads and writes S once. */
    @Benchmark
    public float decodeStepStateUpdate() {
        for (int l = 0; l < LAYERS; l++) {
            float[] s = S[l];
            pool.parallelFor(NV, 1, (j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    int hk = j / (NV / NK);
                    DeltaRule.recurrentStep(s, j * DK * DV, DK, DV, conv, hk * DK, conv, NK * DK + hk * DK,
                            conv, 2 * NK * DK + j * DV, -0.1f, 0.5f, out, j * DV);
                }
            });
        }
        return S[0][0];
    }

    /** A verification pass's delta rule over all layers: outputs of T tokens from S, which it only reads. */
    @Benchmark
    public float verifyChunkOutputs() {
        int T = tokens;
        for (int l = 0; l < LAYERS; l++) {
            float[] s = S[l];
            pool.parallelFor(NV, 1, (j0, j1) -> {
                for (int j = j0; j < j1; j++) {
                    int hk = j / (NV / NK);
                    DeltaRule.chunk(T, DeltaRule.Inputs.of(conv, hk * DK, NK * DK + hk * DK, 2 * NK * DK + j * DV, CONV, g, beta, j, NV),
                            new DeltaRule.State(s, j * DK * DV, DK, DV), new DeltaRule.Strided(out, j * DV, NV * DV),
                            new DeltaRule.Carry(gc, j * T, vNew, j * T * DV));
                }
            });
        }
        return out[0];
    }
}
