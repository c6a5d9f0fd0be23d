package dev.nextinfer.core;

import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.config.RopeScaling;
import dev.nextinfer.core.model.KvCache;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.model.DecodeBatcher;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.core.weights.WeightLoader;
import dev.nextinfer.kernels.HugePageArena;
import dev.nextinfer.kernels.ThreadPool;
import dev.nextinfer.tokenizer.ChatTemplate;
import dev.nextinfer.tokenizer.Tokenizer;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * A loaded Qwen3-Next checkpoint: config, weights (mapped or converted once), the thread pool and the graph.
 * Thread-safe and shareable: any number of {@link Session}s and {@link Chat}s run on one loaded model, each with
 * its own state. {@link #close()} releases the mappings and the threads (close only when no generation runs).
 *
 * <pre>{@code
 * try (Qwen3Next model = Qwen3Next.load(Path.of("/models/Qwen3-Next-80B-A3B-Instruct"), LoadOptions.defaults())) {
 *     Chat chat = model.newChat(ChatOptions.defaults());
 *     System.out.println(chat.send("Hello!", model.generationDefaults()).content());
 * }
 * }</pre>
 *
 * The text APIs use the checkpoint's tokenizer ({@code tokenizer.json}, {@code tokenizer_config.json} in the
 * folder, or the GGUF file's {@code tokenizer.*} metadata), loaded on first use; without it they fail with a
 * {@link NextInferException}.
 */
public final class Qwen3Next implements AutoCloseable {
    private final Path dir;
    private final Qwen3NextConfig config;
    private final ModelFiles files;
    private final Arena arena;
    private final ThreadPool pool;
    private final Qwen3NextModel model;
    private final String mtpNote;
    private final int contextLength;
    private final String contextNote;
    private final String speedNote;
    private final long weightBytes;
    private final MemoryLedger ledger;
    private final TextSupport text;
    private final DecodeBatcher batcher;

    /** Most sequences one batched decode step of the sessions takes ({@link DecodeBatcher}). */
    public static final int MAX_DECODE_BATCH = 16;

    private Qwen3Next(ModelFiles files, Qwen3NextConfig config, Arena arena, ThreadPool pool, Qwen3NextModel model,
                      String mtpNote, int contextLength, String contextNote, String speedNote, long weightBytes,
                      MemoryLedger ledger) {
        this.dir = files.path();
        this.config = config;
        this.files = files;
        this.arena = arena;
        this.pool = pool;
        this.model = model;
        this.mtpNote = mtpNote;
        this.contextLength = contextLength;
        this.contextNote = contextNote;
        this.speedNote = speedNote;
        this.weightBytes = weightBytes;
        this.ledger = ledger;
        this.text = new TextSupport(dir, config, files::tokenizer, files.generationConfig());
        this.batcher = new DecodeBatcher(model, MAX_DECODE_BATCH);
    }

    /**
     * Loads a model: a Hugging Face checkpoint folder ({@code config.json} + safetensors) or a GGUF file (for a split
     * GGUF, its first shard). Every tensor is checked before any is converted.
     *
     * @throws NextInferException with a one-line message naming the file and field/tensor on bad input, or naming
     *                            the JVM flag when the Vector API module ({@code --add-modules jdk.incubator.vector})
     *                            is missing
     */
    public static Qwen3Next load(Path path, LoadOptions options) {
        Args.required(path, "model path (checkpoint folder or GGUF file)");
        VectorModule.require();
        options = options == null ? LoadOptions.defaults() : options;
        ModelFiles files = ModelFiles.open(path);
        // converted and repacked weights stream every token: huge pages where the system has them (HugePages)
        Arena arena = new HugePageArena(Arena.ofShared());
        ThreadPool pool = null;
        try {
            Qwen3NextConfig config = files.config();
            if (options.yarnFactor() > 0) {
                RopeScaling old = config.ropeScaling();
                int original = old != null ? old.originalMaxPositionEmbeddings() : config.maxPositionEmbeddings();
                config = config.withRopeScaling(RopeScaling.yarn(options.yarnFactor(), original));
            }
            WeightLoader.Plan plan = WeightLoader.plan(config, files.tensors(), options.weights(), options.int8Activations());
            KvCacheFormat kv = options.effectiveKvCache(plan.quantised());
            if (!kv.supportsHeadDim(config.headDim())) {
                throw new NextInferException("a " + kv.cliName() + " KV cache stores heads in blocks of 32 values, but this model's"
                        + " head_dim is " + config.headDim() + "; use --kv-cache f16 or f32");
            }
            int limit = config.contextLimit();
            if (options.contextLength() > limit) {
                throw new NextInferException("context length " + options.contextLength() + (config.ropeScaling() == null
                        ? " exceeds the model's max_position_embeddings (" + limit + "); YaRN (rope_scaling, or --yarn F) extends it to F × " + limit
                        : " exceeds the model's context limit of " + limit + " positions (YaRN factor " + config.ropeScaling().factor()
                        + " × original_max_position_embeddings " + config.ropeScaling().originalMaxPositionEmbeddings() + ")"));
            }
            long memory = options.memoryLimit() > 0 ? options.memoryLimit() : SystemMemory.available();
            MemoryEstimate base = MemoryEstimate.of(config, plan.residentBytes(), kv, 0, 1, false, Session.MAX_SNAPSHOTS);
            long fixed = base.weightBytes() + base.scratchBytes(); // sessions reserve their states and KV pages
            int context;
            String note = null;
            if (options.contextLength() > 0) {
                context = options.contextLength();
                MemoryEstimate need = MemoryEstimate.of(config, plan.residentBytes(), kv, context, 1, false, Session.MAX_SNAPSHOTS);
                if (need.totalBytes() > memory) {
                    int fits = fittingPositions(config, plan.residentBytes(), kv, memory, limit);
                    throw new MemoryLimitException(String.format(java.util.Locale.ROOT,
                            "a context of %d positions needs %s (%s) but %s of memory %s; at most %d positions fit%s",
                            context, MemoryEstimate.gb(need.totalBytes()), need.describe(), MemoryEstimate.gb(memory),
                            options.memoryLimit() > 0 ? "is the limit" : "is available", Math.max(fits, 0),
                            switch (kv) {
                                case F32, F16 -> " (a q8_0 or q4_0 KV cache holds 2-4× more)";
                                case Q8_0 -> " (a q4_0 KV cache holds ~2× more)";
                                case Q4_0 -> "";
                            }), false);
                }
            } else {
                int fits = fittingPositions(config, plan.residentBytes(), kv, memory, limit);
                if (fits < Math.min(limit, KvCache.PAGE_POSITIONS)) {
                    throw new MemoryLimitException(String.format(java.util.Locale.ROOT,
                            "the model needs %s (%s) but %s of memory %s", MemoryEstimate.gb(base.totalBytes()), base.describe(),
                            MemoryEstimate.gb(memory), options.memoryLimit() > 0 ? "is the limit" : "is available"), false);
                }
                context = Math.min(limit, fits);
                if (context < limit) {
                    note = String.format(java.util.Locale.ROOT,
                            "context limited to %d of the model's %d positions by memory (%s of %s); set a context length, or a"
                                    + " q8_0/q4_0 KV cache for more", context, limit, MemoryEstimate.gb(fixed), MemoryEstimate.gb(memory));
                }
            }
            pool = new ThreadPool(options.effectiveThreads());
            WeightLoader.Result r = WeightLoader.load(config, files.tensors(), options.weights(), options.int8Activations(), arena,
                    pool, options.listener());
            Qwen3NextModel model = new Qwen3NextModel(config, r.weights(), pool, kv);
            String speed = plan.integerKernels() && !options.int8Activations() ? SPEED_NOTE : null;
            return new Qwen3Next(files, config, arena, pool, model, r.mtpNote(), context, note, speed, plan.residentBytes(),
                    new MemoryLedger(memory, fixed));
        } catch (RuntimeException | Error e) {
            if (pool != null) {
                pool.close();
            }
            arena.close();
            files.close();
            throw e;
        }
    }

    /** Most positions (whole pages, at most {@code limit}) one session's sequence can hold within {@code memory}. */
    private static int fittingPositions(Qwen3NextConfig cfg, long weights, KvCacheFormat kv, long memory, int limit) {
        long fixed = MemoryEstimate.of(cfg, weights, kv, 0, 1, false, Session.MAX_SNAPSHOTS).totalBytes();
        long perPage = MemoryEstimate.of(cfg, weights, kv, KvCache.PAGE_POSITIONS, 1, false, 0).kvBytes();
        long pages = (memory - fixed) / perPage;
        if (pages <= 0) {
            return 0;
        }
        return (int) Math.min(limit, pages * KvCache.PAGE_POSITIONS);
    }

    /** The checkpoint folder or GGUF file. */
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

    /**
     * The decode-step batcher every session of this model steps through: plain decode steps of sessions running at
     * the same time (e.g. the server's parallel slots) share one forward pass, each with the bits it gets alone.
     */
    public DecodeBatcher decodeBatcher() {
        return batcher;
    }

    /** Whether the MTP head is available. */
    public boolean hasMtp() {
        return model.hasMtp();
    }

    /** Why MTP is unavailable, or null if it is available. */
    public String mtpNote() {
        return mtpNote;
    }

    // ---- generation API

    /**
     * Most positions a sequence may hold (prompt + generated tokens): {@link LoadOptions#contextLength()}, or the
     * model's context limit ({@code max_position_embeddings}, or F × the original positions with YaRN) as far as
     * it fits in memory. KV caches grow on demand in pages, so a large limit costs nothing until used.
     */
    public int contextLength() {
        return contextLength;
    }

    /** Why {@link #contextLength()} is below the model's limit (memory), or null. */
    public String contextNote() {
        return contextNote;
    }

    /** {@link #speedNote()}'s text. */
    static final String SPEED_NOTE = "this model's quantised matrices have integer kernels: with int8 activations"
            + " (--int8-activations, LoadOptions.int8Activations) decoding is ~1.4-2x faster, its products rounded as"
            + " llama.cpp rounds them instead of exactly";

    /**
     * A hint that this model would decode faster with {@link LoadOptions#int8Activations()} (some of its matrices are
     * in a format with an integer kernel and the option is off), or null.
     */
    public String speedNote() {
        return speedNote;
    }

    /** The memory limit admission checks use: {@link LoadOptions#memoryLimit()} or what was available at load. */
    public long memoryLimit() {
        return ledger.limit();
    }

    /** Bytes reserved by sessions for their sequences now (KV pages and DeltaNet states). */
    public long reservedMemory() {
        return ledger.reserved();
    }

    /**
     * The memory this model needs with one sequence of {@code positions} positions, as a session holds it (its live
     * state and prefix snapshots).
     *
     * @param speculative the sequence records the MTP head's inputs (speculative decoding): its KV cache fills too
     */
    public MemoryEstimate memoryEstimate(int positions, boolean speculative) {
        return memoryEstimate(positions, speculative, 1);
    }

    /** As {@link #memoryEstimate(int, boolean)} for {@code sequences} sequences of {@code positions} positions each. */
    public MemoryEstimate memoryEstimate(int positions, boolean speculative, int sequences) {
        return MemoryEstimate.of(config, weightBytes, model.kvCacheFormat(), positions, sequences,
                speculative && model.hasMtp(), Session.MAX_SNAPSHOTS);
    }

    /**
     * Fails with a {@link MemoryLimitException} (one line with the numbers) unless one sequence of {@code positions}
     * positions fits in the memory limit beside the weights and scratch, whatever else is running.
     */
    public void requireFits(int positions, boolean speculative) {
        requireFits(positions, speculative, 1);
    }

    /** As {@link #requireFits(int, boolean)} for {@code sequences} sequences of {@code positions} positions each. */
    public void requireFits(int positions, boolean speculative, int sequences) {
        MemoryEstimate need = memoryEstimate(positions, speculative, sequences);
        if (need.totalBytes() > ledger.limit()) {
            throw new MemoryLimitException(String.format(java.util.Locale.ROOT,
                    "%d positions need %s (%s) but the memory limit is %s", positions, MemoryEstimate.gb(need.totalBytes()),
                    need.describe(), MemoryEstimate.gb(ledger.limit())), false);
        }
    }

    MemoryLedger ledger() {
        return ledger;
    }

    /** The checkpoint's tokenizer, loaded on first use. */
    public Tokenizer tokenizer() {
        return text.tokenizer();
    }

    /** Token ids that always end generation (end-of-sequence ids of the config and tokenizer). */
    public Set<Integer> stopTokenIds() {
        return text.stopTokenIds();
    }

    /**
     * The checkpoint's recommended sampling ({@code generation_config.json}: temperature, top-k, top-p, min-p,
     * repetition penalty), or greedy when it has none; 256 max tokens. Adjust with {@code toBuilder()}.
     */
    public GenerationConfig generationDefaults() {
        return text.generationDefaults();
    }

    /** A new session (raw completions; one per sequence). */
    public Session newSession() {
        return new Session(this);
    }

    /** A new conversation on its own session. */
    public Chat newChat(ChatOptions options) {
        return new Chat(this, newSession(), options == null ? ChatOptions.builder().build() : options);
    }

    /** A new conversation on an existing session, reusing whatever prefix of it matches. */
    public Chat newChat(ChatOptions options, Session session) {
        Args.required(session, "session");
        if (session.model() != this) {
            throw new NextInferException("the session belongs to another model");
        }
        return new Chat(this, session, options == null ? ChatOptions.builder().build() : options);
    }

    /** Renders {@code messages} with the chat template (plus {@code options.system()} first) for generation. */
    public ChatPrompt chatPrompt(List<ChatMessage> messages, ChatOptions options) {
        return Chat.render(this, Args.required(messages, "messages"), options == null ? ChatOptions.builder().build() : options);
    }

    ChatTemplate requireChatTemplate() {
        return text.chatTemplate();
    }

    /** Releases threads, converted weights and file mappings. */
    @Override
    public void close() {
        pool.close();
        arena.close();
        files.close();
    }
}
