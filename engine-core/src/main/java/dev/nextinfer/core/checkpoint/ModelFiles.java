package dev.nextinfer.core.checkpoint;

import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.config.ConfigParser;
import dev.nextinfer.core.config.Qwen3NextConfig;
import dev.nextinfer.core.gguf.GgufConfig;
import dev.nextinfer.core.gguf.GgufModel;
import dev.nextinfer.core.gguf.GgufSource;
import dev.nextinfer.core.gguf.GgufTokenizer;
import dev.nextinfer.core.safetensors.Checkpoint;
import dev.nextinfer.core.safetensors.SafetensorsSource;
import dev.nextinfer.tokenizer.Tokenizer;
import dev.nextinfer.tokenizer.TokenizerException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A model on disk, whatever its format: a Hugging Face checkpoint folder ({@code config.json}, safetensors,
 * tokenizer files, {@code generation_config.json}) or a GGUF file (the first shard of a split one), which holds
 * all of that in one file. Gives the config, the tensors and the tokenizer; the loader and the generation API
 * know nothing else about files.
 */
public final class ModelFiles implements AutoCloseable {
    private final Path path;
    private final Qwen3NextConfig config;
    private final TensorSource tensors;
    private final Path generationConfig;
    private final GgufModel gguf;

    private ModelFiles(Path path, Qwen3NextConfig config, TensorSource tensors, Path generationConfig, GgufModel gguf) {
        this.path = path;
        this.config = config;
        this.tensors = tensors;
        this.generationConfig = generationConfig;
        this.gguf = gguf;
    }

    /**
     * Opens a checkpoint folder or a {@code .gguf} file: parses its config and maps its tensors (nothing is read yet).
     *
     * @throws NextInferException naming the file and what is wrong
     */
    public static ModelFiles open(Path path) {
        if (isGguf(path)) {
            GgufModel m = GgufModel.open(path);
            try {
                Qwen3NextConfig cfg = GgufConfig.read(m);
                return new ModelFiles(path, cfg, new GgufSource(m, cfg), null, m);
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
        }
        if (!Files.isDirectory(path)) {
            throw new CheckpointException(path + ": " + (Files.exists(path) ? "not a checkpoint folder or a .gguf file" : "no such file or folder"));
        }
        Qwen3NextConfig cfg = ConfigParser.read(path);
        Checkpoint ckpt = Checkpoint.open(path);
        Path gen = path.resolve("generation_config.json");
        return new ModelFiles(path, cfg, new SafetensorsSource(ckpt, cfg.fp8BlockSize()), Files.isRegularFile(gen) ? gen : null, null);
    }

    /** Whether {@code path} is a GGUF file: a regular file named {@code *.gguf} or starting with the GGUF magic. */
    public static boolean isGguf(Path path) {
        if (!Files.isRegularFile(path)) {
            return false;
        }
        if (path.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) {
            return true;
        }
        try (var in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'G' && magic[1] == 'G' && magic[2] == 'U' && magic[3] == 'F';
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * The tokenizer of a checkpoint folder or GGUF file, without mapping any weights (for the tokenizer commands).
     *
     * @throws NextInferException when there is none or it is invalid
     */
    public static Tokenizer tokenizerOf(Path path) {
        if (isGguf(path)) {
            try (GgufModel m = GgufModel.open(path)) {
                return GgufTokenizer.load(m);
            }
        }
        return folderTokenizer(path);
    }

    private static Tokenizer folderTokenizer(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException(dir + ": " + (Files.exists(dir) ? "not a checkpoint folder or a .gguf file" : "no such file or folder"));
        }
        if (!Files.isRegularFile(dir.resolve("tokenizer.json"))) {
            throw new NextInferException(dir + ": no tokenizer.json: text generation needs the checkpoint's tokenizer files"
                    + " (tokenizer.json, tokenizer_config.json)");
        }
        try {
            return Tokenizer.load(dir);
        } catch (TokenizerException e) {
            throw new NextInferException(e.getMessage(), e);
        }
    }

    /** The folder or file. */
    public Path path() {
        return path;
    }

    /** The architecture. */
    public Qwen3NextConfig config() {
        return config;
    }

    /** The tensors. */
    public TensorSource tensors() {
        return tensors;
    }

    /** Whether this is a GGUF file. */
    public boolean isGguf() {
        return gguf != null;
    }

    /** Reads the tokenizer (each call reads it again: callers keep it). */
    public Tokenizer tokenizer() {
        if (gguf != null) {
            return GgufTokenizer.load(gguf);
        }
        return folderTokenizer(path);
    }

    /** {@code generation_config.json}, or null (always null for GGUF files, which have none). */
    public Path generationConfig() {
        return generationConfig;
    }

    /** Unmaps the files. */
    @Override
    public void close() {
        tensors.close();
    }
}
