package dev.nextinfer.cli;

import dev.nextinfer.core.gguf.GgufRecipe;
import dev.nextinfer.kernels.MatrixFormat;
import dev.nextinfer.kernels.ThreadPool;
import dev.nextinfer.tools.quantize.Quantizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quantize}: writes a model with its matrices converted once, as a GGUF file or a safetensors folder. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Writes a copy of the model with its matrices converted once, so later loads map them instead of",
                "converting. With --out FILE.gguf: a qwen3next GGUF file (loadable by llama.cpp too) of any model, with the",
                "types of a recipe (q4_k_m keeps Q6_K where llama.cpp does). With --out DIR: a safetensors folder of a",
                "checkpoint folder, matrices in q8_0 or q4_0. Load the result like any model (--model OUT)."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "PATH", description = "Source model: checkpoint folder or GGUF file.")
    Path model;

    @Option(names = "--weights", required = true, paramLabel = "TYPE",
            description = "GGUF output: f32, f16, bf16, q8_0, q4_0, q6_k, q5_k_m, q4_k_m. Folder output: q8_0 or q4_0.")
    String weights;

    @Option(names = "--out", required = true, paramLabel = "PATH",
            description = "Output: a file name ending in .gguf, or a folder (created; existing weights replaced).")
    Path out;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Converting threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    @Option(names = "--no-mtp", description = {"GGUF output: leave the MTP head out (as llama.cpp's converter does;",
            "ik_llama.cpp does not load qwen3next files that have it). Speculative decoding (--mtp) then has no drafter."})
    boolean noMtp;

    @Override
    public Integer call() throws IOException {
        if (!Files.exists(model)) {
            throw new CliException("--model " + model + ": no such file or folder");
        }
        if (threads < 0) {
            throw new CliException("--threads must be ≥ 0, got " + threads);
        }
        boolean gguf = out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        try (ThreadPool pool = new ThreadPool(n); ProgressBar bar = new ProgressBar("converting to " + weights.toLowerCase(Locale.ROOT))) {
            if (gguf) {
                GgufRecipe recipe = GgufRecipe.parse(weights);
                if (recipe == null) {
                    throw new CliException("--weights: unknown GGUF type '" + weights + "' (expected one of "
                            + String.join(", ", Arrays.stream(GgufRecipe.values()).map(GgufRecipe::cliName).toList()) + ")");
                }
                Quantizer.toGguf(model, out, recipe, !noMtp, pool, bar::update);
            } else {
                MatrixFormat f = weights.equalsIgnoreCase("q8_0") ? MatrixFormat.Q8_0 : weights.equalsIgnoreCase("q4_0") ? MatrixFormat.Q4_0 : null;
                if (f == null) {
                    throw new CliException("--weights: quantize writes q8_0 or q4_0, not " + weights.toLowerCase(Locale.ROOT)
                            + ", into a folder (write a .gguf file for other types)");
                }
                if (noMtp) {
                    throw new CliException("--no-mtp applies to GGUF output (--out FILE.gguf) only");
                }
                Quantizer.toFolder(model, out, f, pool, bar::update);
            }
        }
        System.err.printf("wrote %s weights to %s in %.1f s%n", weights.toLowerCase(Locale.ROOT), out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
