package dev.nextinfer.cli;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.model.KvCacheFormat;
import dev.nextinfer.core.weights.WeightFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command that loads a checkpoint shares: {@code --model}, {@code --weights}, {@code --threads}. */
public final class ModelOptions {
    @Option(names = "--model", required = true, paramLabel = "PATH",
            description = "A GGUF file (for a split file, its first shard …-00001-of-0000N.gguf) or a Hugging Face checkpoint "
                    + "folder (config.json, *.safetensors, tokenizer files).")
    Path model;

    @Option(names = "--weights", paramLabel = "FORMAT", converter = WeightFormatConverter.class,
            description = "Compute format of the large matrices: f32, bf16, q8_0, q4_0 (default: as stored — every GGUF type in place; fp8 becomes f32).")
    WeightFormat weights;

    @Option(names = "--kv-cache", paramLabel = "FORMAT", converter = KvConverter.class,
            description = "Format of cached keys/values: f32 (exact) or f16 (half the memory) (default: f16 with q8_0/q4_0 weights, else f32).")
    KvCacheFormat kvCache;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    /** Loads the model, showing a progress bar on stderr for big checkpoints. */
    public Qwen3Next load() {
        return load(b -> b);
    }

    /** As {@link #load()}, with more load options (e.g. a context length) set by {@code more}. */
    public Qwen3Next load(java.util.function.UnaryOperator<LoadOptions.Builder> more) {
        if (!Files.exists(model)) {
            throw new CliException("--model " + model + ": no such file or folder");
        }
        if (threads < 0) {
            throw new CliException("--threads must be ≥ 0, got " + threads);
        }
        try (ProgressBar bar = new ProgressBar("loading " + model.getFileName())) {
            return Qwen3Next.load(model, more.apply(LoadOptions.builder().weights(weights).threads(threads).kvCache(kvCache).listener(bar::update)).build());
        }
    }

    /**
     * The name a model is served and reported under: the folder's name, or the GGUF file's name without
     * {@code .gguf} and without a split suffix ({@code -00001-of-00002}).
     */
    public static String modelId(java.nio.file.Path model) {
        String n = String.valueOf(model.toAbsolutePath().normalize().getFileName());
        if (n.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")) {
            n = n.substring(0, n.length() - 5).replaceFirst("-\\d{5}-of-\\d{5}$", "");
        }
        return n;
    }

    /** Parses {@code f32|f16}. */
    public static final class KvConverter implements picocli.CommandLine.ITypeConverter<KvCacheFormat> {
        @Override
        public KvCacheFormat convert(String value) {
            KvCacheFormat f = KvCacheFormat.parse(value);
            if (f == null) {
                throw new picocli.CommandLine.TypeConversionException("unknown KV cache format '" + value + "' (expected f32 or f16)");
            }
            return f;
        }
    }

    /** Parses {@code f32|bf16|q8_0|q4_0}. */
    public static final class WeightFormatConverter implements picocli.CommandLine.ITypeConverter<WeightFormat> {
        @Override
        public WeightFormat convert(String value) {
            WeightFormat f = WeightFormat.parse(value);
            if (f == null) {
                throw new picocli.CommandLine.TypeConversionException("unknown weight format '" + value + "' (expected f32, bf16, q8_0 or q4_0)");
            }
            return f;
        }
    }
}
