package dev.nextinfer.cli;

import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Usage;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code demo}: creates (once) a small random-weight checkpoint with the real Qwen3 tokenizer under the cache
 * folder, loads it, streams a chat answer and prints the speed. Random weights give noise; the point is to show the
 * whole path (template, tokenizer, forward pass, sampling, streaming detokenizer) running.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Creates (once, under ~/.cache/nextinfer/ or $NEXTINFER_CACHE) a small random-weight Qwen3-Next "
                + "checkpoint with the real Qwen3 tokenizer and chat template, loads it, streams an answer to a chat "
                + "prompt and prints tokens/s. Random weights produce noise: the demo shows the engine running end to end.")
final class DemoCommand implements Callable<Integer> {
    /** Bumped when the demo checkpoint's recipe changes, so old caches are rebuilt. */
    static final String RECIPE = "tiny-bf16-seed42-v1";
    /** System property that overrides the cache folder (tests), checked before {@code $NEXTINFER_CACHE}. */
    static final String CACHE_PROPERTY = "nextinfer.cache";

    @Spec
    CommandSpec spec;

    @Option(names = {"--tokens", "--max-tokens"}, defaultValue = "48", paramLabel = "N", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--prompt", defaultValue = "Explain the delta rule in one sentence.", paramLabel = "TEXT",
            description = "The user message (default: ${DEFAULT-VALUE}).")
    String prompt;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "S", description = "Sampler seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Worker threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (tokens < 1) {
            throw new CliException("--tokens must be ≥ 1, got " + tokens);
        }
        if (threads < 0) {
            throw new CliException("--threads must be ≥ 0, got " + threads);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = ensureCheckpoint();
        long t0 = System.nanoTime();
        try (Qwen3Next q = Qwen3Next.load(dir, LoadOptions.builder().threads(threads).build())) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            GenerationConfig cfg = GenerationConfig.builder().maxTokens(tokens).temperature(0.7).topK(20).topP(0.8)
                    .seed(seed).build();
            // a few tokens on a scratch conversation first, so the speed shown is not that of the JIT compiler
            q.newChat(ChatOptions.defaults()).send(prompt, cfg.toBuilder().maxTokens(4).build());
            out.println("demo: random-weight Qwen3-Next checkpoint (hidden 256, 4 layers, the real 151,936-token vocabulary)");
            out.println("      in " + dir);
            out.println();
            out.println("> " + TerminalText.printable(prompt));
            out.flush();
            Chat chat = q.newChat(ChatOptions.defaults());
            ChatResponse r = chat.send(prompt, cfg, new ChatCommand.Printer(out));
            out.println();
            out.println();
            Usage u = r.usage();
            out.printf(Locale.ROOT, "load %.2f s | prompt %d tokens %.1f tok/s | generated %d tokens %.1f tok/s | %d threads%n",
                    loadS, u.promptTokens(), u.prefillTokensPerSecond(), u.completionTokens(), u.tokensPerSecond(),
                    q.model().pool().threads());
        }
        out.println();
        out.println("Note: this checkpoint has random weights, so the answer above is noise. It shows the engine running end");
        out.println("to end (chat template, tokenizer, forward pass, sampling, streaming). To run a real model, download a");
        out.println("GGUF file of Qwen3-Next-80B-A3B-Instruct (e.g. the Q4_K_M file, 48 GB, from the Hugging Face Hub) and run:");
        out.println("  ./nextinfer chat --model /path/to/Qwen3-Next-80B-A3B-Instruct-Q4_K_M.gguf");
        out.println("(a split file: give its first shard, …-00001-of-0000N.gguf; a Hugging Face checkpoint folder works too).");
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
        System.err.println("demo: creating a random-weight checkpoint in " + dir + " (once, about 170 MB) ...");
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

    /**
     * The system property {@code nextinfer.cache}, else {@code $NEXTINFER_CACHE}, else
     * {@code $XDG_CACHE_HOME/nextinfer}, else {@code ~/.cache/nextinfer}.
     */
    static Path cacheRoot() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String explicit = System.getenv("NEXTINFER_CACHE");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("nextinfer");
    }
}
