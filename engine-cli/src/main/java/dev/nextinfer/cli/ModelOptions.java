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
            description = {"Format of cached keys/values: f32 (exact), f16 (half the memory), q8_0 or q4_0 (llama.cpp's blocks",
                    "of 32 along the head dimension: 0.53× / 0.28× of f16) (default: f16 with quantised weights, else f32; f32 for logits and greedy)."})
    KvCacheFormat kvCache;

    @Option(names = "--yarn", paramLabel = "F", defaultValue = "0",
            description = {"Extend the context with YaRN by the factor F (as rope_scaling {rope_type: yarn, factor: F,",
                    "original_max_position_embeddings} in config.json): the context limit becomes F × max_position_embeddings,",
                    "e.g. 4 × 262144 = 1048576 (default: ${DEFAULT-VALUE} = the config's RoPE scaling)."})
    double yarn;

    @Option(names = "--max-memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = {"Memory the model may use in all — weights, KV caches, states, scratch — e.g. 20g or 512m; longer",
                    "contexts and requests that need more are refused before any compute (default: what is available at load)."})
    long maxMemory;

    @Option(names = "--int8-activations",
            description = {"Multiply IQ4_NL, IQ4_XS, Q2_K, Q3_K, Q4_0, Q4_K, Q5_0, Q5_K, Q6_K and Q8_0 matrices through the integer",
                    "kernels: activations quantised to int8 per block of 32 (llama.cpp's rule), weights repacked at load with rows in",
                    "vector lanes (IQ4_NL +11%%, IQ4_XS +3%%, Q2_K +5%%, Q3_K +5%%, Q4_0 +11%%, Q4_K +6%%, Q5_0 +9%%, Q5_K +5%%,",
                    "Q6_K +31%%, Q8_0 +6%% memory; the load reads those tensors whole). Decode steps and a prefill's products of a",
                    "few rows (its experts): those products round like llama.cpp's, not exactly. A prefill's products of many rows,",
                    "and the formats without integer kernels (MXFP4, Q4_1, Q5_1, f16/bf16/f32), stay exact (default: off)."})
    boolean int8Activations;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Worker threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    /** Loads the model, showing a progress bar on stderr for big checkpoints. */
    public Qwen3Next load() {
        return load(b -> b);
    }

    /**
     * Loads the model for the reference commands ({@code logits}, {@code greedy}): the KV cache defaults to f32, so
     * every activation stays in f32 and the outputs are the exact arithmetic of the stored weights (an f16 cache,
     * the default for quantised weights elsewhere, moves logits by up to ~1e-3).
     */
    public Qwen3Next loadForReference() {
        return load(b -> kvCache == null ? b.kvCache(KvCacheFormat.F32) : b);
    }

    /** As {@link #load()}, with more load options (e.g. a context length) set by {@code more}. */
    public Qwen3Next load(java.util.function.UnaryOperator<LoadOptions.Builder> more) {
        if (!Files.exists(model)) {
            throw new CliException("--model " + model + ": no such file or folder");
        }
        if (threads < 0) {
            throw new CliException("--threads must be ≥ 0, got " + threads);
        }
        if (!(yarn == 0 || yarn >= 1)) {
            throw new CliException("--yarn must be ≥ 1 (or 0 for the config's scaling), got " + yarn);
        }
        try (ProgressBar bar = new ProgressBar("loading " + model.getFileName())) {
            return Qwen3Next.load(model, more.apply(LoadOptions.builder().weights(weights).threads(threads).kvCache(kvCache)
                    .yarnFactor(yarn).memoryLimit(maxMemory).int8Activations(int8Activations).listener(bar::update)).build());
        }
    }

    /** Prints why the context is shorter than the model's limit (memory), and how to decode faster, where either applies. */
    static void note(Qwen3Next model, java.io.PrintWriter err) {
        for (String note : new String[] {model.contextNote(), model.speedNote()}) {
            if (note != null) {
                err.println("nextinfer: note: " + note);
            }
        }
        err.flush();
    }

    /**
     * The name a model is served and reported under: the folder's name, or the GGUF file's name without
     * {@code .gguf} and without a split suffix ({@code -00001-of-00002}).
     */
    public static String modelId(java.nio.file.Path model) {
        return dev.nextinfer.server.ServerConfig.modelId(model);
    }

    /** Parses {@code f32|f16|q8_0|q4_0}. */
    public static final class KvConverter implements picocli.CommandLine.ITypeConverter<KvCacheFormat> {
        @Override
        public KvCacheFormat convert(String value) {
            KvCacheFormat f = KvCacheFormat.parse(value);
            if (f == null) {
                throw new picocli.CommandLine.TypeConversionException("unknown KV cache format '" + value + "' (expected f32, f16, q8_0 or q4_0)");
            }
            return f;
        }
    }

    /** Parses a byte size: a number with an optional k, m, g or t suffix (powers of 1024), e.g. {@code 20g}. */
    public static final class SizeConverter implements picocli.CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?i)\\s*([0-9]+(?:\\.[0-9]+)?)\\s*([kmgt]?)b?\\s*").matcher(value);
            if (!m.matches()) {
                throw new picocli.CommandLine.TypeConversionException("expected a size such as 20g, 512m or 1000000000, got '" + value + "'");
            }
            int shift = switch (m.group(2).toLowerCase(java.util.Locale.ROOT)) {
                case "k" -> 10;
                case "m" -> 20;
                case "g" -> 30;
                case "t" -> 40;
                default -> 0;
            };
            double bytes = Double.parseDouble(m.group(1)) * Math.pow(2, shift);
            if (bytes < 1 || bytes > Long.MAX_VALUE / 2) {
                throw new picocli.CommandLine.TypeConversionException("size out of range: '" + value + "'");
            }
            return (long) bytes;
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
