package dev.nextinfer.cli;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.ForwardResult;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.model.SequenceState;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.synth.SynthPreset;
import dev.nextinfer.core.synth.Synthesizer;
import dev.nextinfer.kernels.VectorOps;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code demo}: creates (once) a small random-weight checkpoint under the cache folder, loads it and generates
 * greedily, printing speed. Random weights give noise; the point is to show the engine running end to end.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Creates (once, under ~/.cache/nextinfer/) a small random-weight Qwen3-Next checkpoint with the real",
                "Qwen3 vocabulary, loads it, generates and prints the speed. Random weights produce noise."})
final class DemoCommand implements Callable<Integer> {
    /** Bumped when the demo checkpoint's recipe changes, so old caches are rebuilt. */
    static final String RECIPE = "tiny-bf16-seed42-v1";

    @Spec
    CommandSpec spec;

    @Option(names = "--tokens", defaultValue = "32", paramLabel = "N", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = ensureCheckpoint();
        int[] prompt = {151644, 872, 198, 9707, 0, 151645, 198, 151644, 77091, 198}; // chat-formatted "Hello!"
        long t0 = System.nanoTime();
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.builder().threads(threads).build())) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            Qwen3NextModel model = q.model();
            int vocab = model.config().vocabSize();
            SequenceState state = model.newState(prompt.length + tokens);
            long p0 = System.nanoTime();
            ForwardResult r = model.forward(prompt, 0, prompt.length, state, false, false);
            double prefillS = (System.nanoTime() - p0) / 1e9;
            int[] generated = new int[tokens];
            long d0 = System.nanoTime();
            for (int i = 0; i < tokens; i++) {
                generated[i] = VectorOps.argmax(r.logits(), 0, vocab);
                if (i + 1 < tokens) {
                    r = model.forward(generated, i, i + 1, state, false, false);
                }
            }
            double decodeS = (System.nanoTime() - d0) / 1e9;
            out.println("prompt ids:    " + Ids.json(prompt));
            out.println("generated ids: " + Ids.json(generated));
            out.printf("load %.2f s | prefill %d tokens %.1f tok/s | decode %d tokens %.1f tok/s | %d threads%n",
                    loadS, prompt.length, prompt.length / prefillS, tokens - 1, (tokens - 1) / decodeS, model.pool().threads());
        }
        out.println("Note: this checkpoint has random weights, so its output is noise. To run a real model, download");
        out.println("Qwen/Qwen3-Next-80B-A3B-Instruct (Hugging Face layout) and run: ./nextinfer greedy --model DIR --ids …");
        out.flush();
        return 0;
    }

    /** The cached demo checkpoint, created atomically on first use. */
    static Path ensureCheckpoint() throws IOException {
        Path dir = cacheRoot().resolve("demo-" + RECIPE);
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        Files.createDirectories(dir.getParent());
        Path tmp = Files.createTempDirectory(dir.getParent(), "demo-tmp-");
        System.err.println("demo: creating a random-weight checkpoint in " + dir + " (once) ...");
        try (ProgressBar bar = new ProgressBar("writing demo checkpoint")) {
            Synthesizer.write(Synthesizer.configJson(SynthPreset.TINY, DType.BF16), tmp, DType.BF16, 42,
                    Runtime.getRuntime().availableProcessors(), bar::update);
        }
        try {
            Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.isRegularFile(dir.resolve("config.json"))) { // not a concurrent demo winning the race
                throw e;
            }
        }
        return dir;
    }

    /** {@code $NEXTINFER_CACHE}, else {@code $XDG_CACHE_HOME/nextinfer}, else {@code ~/.cache/nextinfer}. */
    static Path cacheRoot() {
        String explicit = System.getenv("NEXTINFER_CACHE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nextinfer");
    }
}
