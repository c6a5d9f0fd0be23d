package dev.nextinfer.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nextinfer.core.safetensors.DType;
import dev.nextinfer.core.weights.LoadListener;
import dev.nextinfer.tools.synth.CycleCheckpoint;
import dev.nextinfer.tools.synth.SynthPreset;
import dev.nextinfer.tools.synth.Synthesizer;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Writes the checkpoints the speculative-decoding measurements use:
 *
 * <pre>
 *   BenchCheckpoints mid OUT        the "mid" shape: hidden 1024, 12 layers (3 DeltaNet : 1 attention), 32 experts
 *                                   top-10 of 512, the real vocabulary; ~1.1B parameters, ~2.2 GB bf16
 *   BenchCheckpoints cycle DIR S    rewrites DIR in place into a CycleCheckpoint with scale S (4: drafts always agree)
 * </pre>
 *
 * Tiny and the real shapes come from {@code ./nextinfer synth --preset tiny|a3b-e32}.
 */
public final class BenchCheckpoints {
    private BenchCheckpoints() {
    }

    /** The mid-size config: the a3b-e32 preset scaled to hidden 1024 and 12 layers. */
    public static ObjectNode midConfig() {
        ObjectNode c = Synthesizer.configJson(SynthPreset.A3B_E32, DType.BF16);
        c.put("hidden_size", 1024);
        c.put("num_hidden_layers", 12);
        c.put("num_attention_heads", 8);
        c.put("num_key_value_heads", 2);
        c.put("linear_num_key_heads", 8);
        c.put("linear_num_value_heads", 16);
        return c;
    }

    /** Entry point. */
    public static void main(String[] args) throws IOException {
        switch (args.length > 0 ? args[0] : "") {
            case "mid" -> Synthesizer.write(midConfig(), Path.of(args[1]), DType.BF16, 1, Runtime.getRuntime().availableProcessors(), LoadListener.NONE);
            case "cycle" -> CycleCheckpoint.rewrite(Path.of(args[1]), Double.parseDouble(args[2]), 1);
            default -> {
                System.err.println("usage: BenchCheckpoints mid OUT | cycle DIR SCALE");
                System.exit(2);
            }
        }
    }
}
