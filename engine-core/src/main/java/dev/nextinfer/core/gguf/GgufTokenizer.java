package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.tokenizer.Tokenizer;

/** The tokenizer and chat template stored in a GGUF file's {@code tokenizer.*} metadata. */
public final class GgufTokenizer {
    private GgufTokenizer() {
    }

    /** Builds the tokenizer of {@code model}. */
    public static Tokenizer load(GgufModel model) {
        throw new CheckpointException(model.path() + ": reading the tokenizer from GGUF metadata is not built yet");
    }
}
