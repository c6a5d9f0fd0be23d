package dev.nextinfer.core;

import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.weights.WeightLoader;
import dev.nextinfer.kernels.ThreadPool;
import java.lang.foreign.Arena;
import java.nio.file.Path;

/**
 * A loaded Qwen3-Next checkpoint: config, weights (mapped or converted once), the thread pool and the graph.
 * Thread-safe and shareable; {@link #close()} releases the mappings and the threads.
 *
 * <pre>{@code
 * try (Qwen3Next model = Qwen3Next.load(Path.of("/models/Qwen3-Next-80B-A3B-Instruct"), LoadOptions.defaults())) {
 *     ...
 * }
 * }</pre>
 */
public final class Qwen3Next implements AutoCloseable {
    private final Path dir;
    private final Qwen3NextConfig config;
    private final Checkpoint checkpoint;
    private final Arena arena;
    private final ThreadPool pool;
    private final Qwen3NextModel model;
    private final String mtpNote;

    private Qwen3Next(Path dir, Qwen3NextConfig config, Checkpoint checkpoint, Arena arena, ThreadPool pool,
                      Qwen3NextModel model, String mtpNote) {
        this.dir = dir;
        this.config = config;
        this.checkpoint = checkpoint;
        this.arena = arena;
        this.pool = pool;
        this.model = model;
        this.mtpNote = mtpNote;
    }

    /**
     * Loads {@code dir} ({@code config.json} + safetensors). Every tensor is checked before any is converted.
     *
     * @throws NextInferException with a one-line message naming the file and field/tensor on bad input
     */
    public static Qwen3Next load(Path dir, LoadOptions options) {
        Qwen3NextConfig config = ConfigParser.read(dir);
        Checkpoint ckpt = Checkpoint.open(dir);
        Arena arena = Arena.ofShared();
        ThreadPool pool = null;
        try {
            WeightLoader.Result r = WeightLoader.load(config, ckpt, options.weights(), arena, options.listener());
            pool = new ThreadPool(options.effectiveThreads());
            Qwen3NextModel model = new Qwen3NextModel(config, r.weights(), pool, options.effectiveKvCache());
            return new Qwen3Next(dir, config, ckpt, arena, pool, model, r.mtpNote());
        } catch (RuntimeException | Error e) {
            if (pool != null) {
                pool.close();
            }
            arena.close();
            ckpt.close();
            throw e;
        }
    }

    /** The checkpoint folder. */
    public Path dir() {
        return dir;
    }

    /** The architecture. */
    public Qwen3NextConfig config() {
        return config;
    }

    /** The forward pass (low-level access: logits, states). */
    public Qwen3NextModel model() {
        return model;
    }

    /** Whether the MTP head is available. */
    public boolean hasMtp() {
        return model.hasMtp();
    }

    /** Why MTP is unavailable, or null if it is available. */
    public String mtpNote() {
        return mtpNote;
    }

    /** Releases threads, converted weights and file mappings. */
    @Override
    public void close() {
        pool.close();
        arena.close();
        checkpoint.close();
    }
}
