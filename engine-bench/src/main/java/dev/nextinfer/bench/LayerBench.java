package dev.nextinfer.bench;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.weights.WeightFormat;
import java.nio.file.Path;
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
 * One decoder layer of each type with the real Qwen3-Next-80B-A3B shapes (32 experts, top-10, shared expert):
 * a 512-token prefill and a single-token decode step (after 512 tokens of context). Run with
 * {@code -p threads=1,2 -p weights=bf16,q8_0,q4_0}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xmn128m"})
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
public class LayerBench {
    @Param({"linear_attention", "full_attention"})
    public String layerType;

    @Param({"bf16"})
    public String weights;

    @Param({"2"})
    public int threads;

    private Path dir;
    private Qwen3Next model;
    private int[] prompt;
    private SequenceState decodeState;
    private final int[] one = {17};

    /** Writes and loads the one-layer checkpoint. */
    @Setup(Level.Trial)
    public void load() {
        dir = BenchModels.singleLayer(layerType);
        model = Qwen3Next.load(dir, LoadOptions.builder().weights(WeightFormat.parse(weights)).threads(threads).build());
        prompt = new int[512];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 7919) % 1024;
        }
    }

    /** A state holding the 512-token prompt, fresh for every iteration so the KV cache does not keep growing. */
    @Setup(Level.Iteration)
    public void context() {
        decodeState = model.model().newState(512 + 100_000);
        model.model().forward(prompt, 0, prompt.length, decodeState, false, false);
    }

    /** Releases the model and deletes the checkpoint. */
    @TearDown(Level.Trial)
    public void close() {
        model.close();
        BenchModels.delete(dir);
    }

    /** 512 tokens through the layer from a fresh state (chunked delta rule / causal attention, mat-mat). */
    @Benchmark
    public Object prefill512() {
        SequenceState s = model.model().newState(prompt.length);
        return model.model().forward(prompt, 0, prompt.length, s, false, false);
    }

    /** One token through the layer (recurrent delta rule / attention over the cache, mat-vec). */
    @Benchmark
    public Object decodeStep() {
        return model.model().forward(one, 0, 1, decodeState, false, false);
    }
}
