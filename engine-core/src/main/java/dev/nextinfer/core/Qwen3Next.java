package dev.nextinfer.core;

import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.model.Qwen3NextModel;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.core.weights.WeightLoader;
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
    private final TextSupport text;

    private Qwen3Next(ModelFiles files, Arena arena, ThreadPool pool, Qwen3NextModel model, String mtpNote, int contextLength) {
        this.dir = files.path();
        this.config = files.config();
        this.files = files;
        this.arena = arena;
        this.pool = pool;
        this.model = model;
        this.mtpNote = mtpNote;
        this.contextLength = contextLength;
        this.text = new TextSupport(dir, config, files::tokenizer, files.generationConfig());
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
        Qwen3NextConfig config = files.config();
        Arena arena = Arena.ofShared();
        ThreadPool pool = null;
        try {
            int context = options.contextLength() == 0 ? config.maxPositionEmbeddings() : options.contextLength();
            if (context > config.maxPositionEmbeddings()) {
                throw new NextInferException("context length " + context + " exceeds the model's max_position_embeddings ("
                        + config.maxPositionEmbeddings() + ")");
            }
            pool = new ThreadPool(options.effectiveThreads());
            WeightLoader.Result r = WeightLoader.load(config, files.tensors(), options.weights(), arena, pool, options.listener());
            Qwen3NextModel model = new Qwen3NextModel(config, r.weights(), pool, options.effectiveKvCache(r.quantised()));
            return new Qwen3Next(files, arena, pool, model, r.mtpNote(), context);
        } catch (RuntimeException | Error e) {
            if (pool != null) {
                pool.close();
            }
            arena.close();
            files.close();
            throw e;
        }
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
     * Most positions a sequence may hold (prompt + generated tokens): {@link LoadOptions#contextLength()} or the
     * model's {@code max_position_embeddings}. KV caches grow on demand, so a large limit costs nothing until used.
     */
    public int contextLength() {
        return contextLength;
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
