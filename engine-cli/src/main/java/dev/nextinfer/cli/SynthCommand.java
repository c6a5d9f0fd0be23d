package dev.nextinfer.cli;

import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code synth}: writes a random-weight checkpoint in the exact Hugging Face layout. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Writes a random-weight Qwen3-Next checkpoint (config.json, safetensors, MTP head, Qwen3 tokenizer files).",
                "Presets: tiny (hidden 256, 4 layers, real vocabulary; seconds), a3b-e32 (the real per-layer shapes",
                "of Qwen3-Next-80B-A3B with 32 experts, ~7B parameters), a3b-l4 (the full shapes, 512 experts, in 4 of the 48",
                "layers, ~8.7B parameters), a3b (the full 80B shapes)."})
final class SynthCommand implements Callable<Integer> {
    @Option(names = "--preset", required = true, paramLabel = "NAME", description = "tiny, a3b-e32, a3b-l4 or a3b.")
    String preset;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder (created; existing weights replaced).")
    Path out;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "TYPE", description = "f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Random seed; the same seed gives the same bytes (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Writer threads (default: ${DEFAULT-VALUE} = one per core).")
    int threads;

    @Override
    public Integer call() throws IOException {
        SynthPreset p = SynthPreset.parse(preset);
        if (p == null) {
            throw new CliException("--preset: unknown preset '" + preset + "' (expected tiny, a3b-e32, a3b-l4 or a3b)");
        }
        DType dt = switch (dtype.toLowerCase()) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            default -> throw new CliException("--dtype: expected f32 or bf16, got '" + dtype + "'");
        };
        int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (ProgressBar bar = new ProgressBar("writing " + out.getFileName())) {
            Synthesizer.write(Synthesizer.configJson(p, dt), out, dt, seed, n, bar::update);
        }
        System.err.println("wrote " + p.cliName() + " (" + dtype + ", seed " + seed + ") to " + out);
        return 0;
    }
}
