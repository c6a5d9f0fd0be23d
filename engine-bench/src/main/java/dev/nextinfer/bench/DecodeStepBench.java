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
 * One whole-model decode step (all layers, lm_head) of a checkpoint given with {@code -p model=DIR} — the
 * {@code a3b-e32} preset is the yardstick — after a 64-token prompt.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xmn128m"})
@Warmup(iterations = 2, time = 10)
@Measurement(iterations = 3, time = 20)
public class DecodeStepBench {
    /** Checkpoint folder. */
    @Param({""})
    public String model;

    @Param({"bf16"})
    public String weights;

    @Param({"2"})
    public int threads;

    private Qwen3Next q;
    private SequenceState state;
    private final int[] one = {17};

    /** Loads the model. */
    @Setup(Level.Trial)
    public void load() {
        if (model.isEmpty()) {
            throw new IllegalArgumentException("pass the checkpoint with -p model=DIR (e.g. from ./nextinfer synth --preset a3b-e32)");
        }
        q = Qwen3Next.load(Path.of(model), LoadOptions.builder().weights(WeightFormat.parse(weights)).threads(threads).build());
    }

    /** A fresh 64-token context per iteration. */
    @Setup(Level.Iteration)
    public void context() {
        int[] prompt = new int[64];
        for (int i = 0; i < prompt.length; i++) {
            prompt[i] = (i * 7919) % 1000;
        }
        state = q.model().newState(64 + 100_000);
        q.model().forward(prompt, 0, prompt.length, state, false, false);
    }

    /** Releases the model. */
    @TearDown(Level.Trial)
    public void close() {
        q.close();
    }

    /** One token through the whole model. */
    @Benchmark
    public Object decodeStep() {
        return q.model().forward(one, 0, 1, state, false, false);
    }
}
