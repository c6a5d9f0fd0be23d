package dev.nextinfer.cli;

import dev.nextinfer.core.quantize.Quantizer;
import dev.nextinfer.core.weights.WeightFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code quantize}: writes the compute matrices in q8_0/q4_0 so later loads are a plain mmap. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Writes a copy of the checkpoint whose compute matrices are stored in q8_0 or q4_0 (the engine's",
                "in-memory layout), so every later load maps them instead of quantising. Norms, router, embeddings and",
                "the other small tensors are copied as stored. Load the result like any checkpoint (--model OUT)."})
final class QuantizeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Source checkpoint folder.")
    Path model;

    @Option(names = "--weights", required = true, paramLabel = "FORMAT", converter = ModelOptions.WeightFormatConverter.class,
            description = "q8_0 or q4_0.")
    WeightFormat weights;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created; existing weights replaced).")
    Path out;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Quantising threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    @Override
    public Integer call() throws IOException {
        if (!Files.isDirectory(model)) {
            throw new CliException("--model " + model + ": not a directory");
        }
        if (weights != WeightFormat.Q8_0 && weights != WeightFormat.Q4_0) {
            throw new CliException("--weights: quantize writes q8_0 or q4_0, not " + weights.cliName());
        }
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        long t0 = System.nanoTime();
        try (ProgressBar bar = new ProgressBar("quantizing to " + weights.cliName())) {
            Quantizer.quantize(model, out, weights, n, bar::update);
        }
        System.err.printf("wrote %s weights to %s in %.1f s%n", weights.cliName(), out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
