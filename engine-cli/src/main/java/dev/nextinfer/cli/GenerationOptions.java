package dev.nextinfer.cli;

import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Sampling and limits shared by {@code generate} and {@code chat}. Sampling flags left out take the checkpoint's
 * {@code generation_config.json} values (greedy when it has none).
 */
public final class GenerationOptions {
    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "512",
            description = "Most tokens to generate per answer (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", paramLabel = "T",
            description = "Sampling temperature, 0 = greedy (default: the checkpoint's generation_config.json, else 0).")
    Double temperature;

    @Option(names = "--top-k", paramLabel = "K",
            description = "Keep the K most likely tokens, 0 = off (default: the checkpoint's generation_config.json, else 0).")
    Integer topK;

    @Option(names = "--top-p", paramLabel = "P",
            description = "Nucleus sampling: keep the smallest set with probability ≥ P, 1 = off (default: the checkpoint's generation_config.json, else 1).")
    Double topP;

    @Option(names = "--min-p", paramLabel = "P",
            description = "Drop tokens below P × the top probability, 0 = off (default: the checkpoint's generation_config.json, else 0).")
    Double minP;

    @Option(names = "--repetition-penalty", paramLabel = "R",
            description = "Penalise tokens already in the context, 1 = off (default: the checkpoint's generation_config.json, else 1).")
    Double repetitionPenalty;

    @Option(names = "--presence-penalty", paramLabel = "P", defaultValue = "0",
            description = "Subtract P from the logits of tokens already generated (default: ${DEFAULT-VALUE}).")
    double presencePenalty;

    @Option(names = "--frequency-penalty", paramLabel = "F", defaultValue = "0",
            description = "Subtract F from a token's logit for each time it was already generated (default: ${DEFAULT-VALUE}).")
    double frequencyPenalty;

    @Option(names = "--seed", paramLabel = "S",
            description = "Sampler seed: the same seed gives the same output (default: random).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "Stop when the output contains TEXT (not printed); repeatable (default: none).")
    List<String> stop = new ArrayList<>();

    @Option(names = "--mtp", paramLabel = "K", defaultValue = "0",
            description = "Speculative decoding with the checkpoint's MTP head, K draft tokens per step, 1…4; 0 = off (default: ${DEFAULT-VALUE}).")
    int mtp;

    @Option(names = "--context", paramLabel = "N", defaultValue = "0",
            description = {"Context length in tokens (prompt + answer), checked against memory at load; 0 = the model's limit",
                    "(max_position_embeddings, or F × that with --yarn F) or as much of it as fits in memory (default: ${DEFAULT-VALUE})."})
    int context;

    /** The generation config: the checkpoint's defaults overridden by the flags given. */
    GenerationConfig config(Qwen3Next model) {
        GenerationConfig.Builder b = model.generationDefaults().toBuilder().maxTokens(maxTokens)
                .presencePenalty(presencePenalty).frequencyPenalty(frequencyPenalty).seed(seed).stopStrings(stop).mtpDraftTokens(mtp);
        if (temperature != null) {
            b.temperature(temperature);
        }
        if (topK != null) {
            b.topK(topK);
        }
        if (topP != null) {
            b.topP(topP);
        }
        if (minP != null) {
            b.minP(minP);
        }
        if (repetitionPenalty != null) {
            b.repetitionPenalty(repetitionPenalty);
        }
        return b.build();
    }

    /** Checks the flags before the model is loaded, so mistakes are reported at once. */
    void validate() {
        if (context < 0) {
            throw new CliException("--context must be ≥ 0, got " + context);
        }
        try {
            GenerationConfig.builder().maxTokens(maxTokens).temperature(temperature == null ? 0 : temperature)
                    .topK(topK == null ? 0 : topK).topP(topP == null ? 1 : topP).minP(minP == null ? 0 : minP)
                    .repetitionPenalty(repetitionPenalty == null ? 1 : repetitionPenalty).presencePenalty(presencePenalty)
                    .frequencyPenalty(frequencyPenalty).stopStrings(stop).mtpDraftTokens(mtp).build();
        } catch (NextInferException e) {
            throw new CliException(flagNames(e.getMessage()));
        }
    }

    /** Loads the model with {@code --context}. */
    Qwen3Next load(ModelOptions modelOptions) {
        return modelOptions.load(b -> b.contextLength(context));
    }

    /** "topP must be …" → "--top-p must be …". */
    private static String flagNames(String message) {
        return message.replace("maxTokens", "--max-tokens").replace("temperature", "--temperature").replace("topK", "--top-k")
                .replace("topP", "--top-p").replace("minP", "--min-p").replace("repetitionPenalty", "--repetition-penalty")
                .replace("presencePenalty", "--presence-penalty").replace("frequencyPenalty", "--frequency-penalty").replace("mtpDraftTokens", "--mtp").replace("stop strings", "--stop");
    }
}
