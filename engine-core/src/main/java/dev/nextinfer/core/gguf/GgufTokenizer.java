package dev.nextinfer.core.gguf;

import dev.nextinfer.core.checkpoint.CheckpointException;
import dev.nextinfer.tokenizer.Tokenizer;

/** The tokenizer and chat template stored in a GGUF file's {@code tokenizer.*} metadata. */
public final class GgufTokenizer {
    private GgufTokenizer() {
    }

    /**
     * The {@code tokenizer.*} metadata to write into a GGUF export of {@code files}: a GGUF source's own keys,
     * copied as they are.
     */
    public static java.util.Map<String, GgufValue> metadata(dev.nextinfer.core.checkpoint.ModelFiles files) {
        java.util.Map<String, GgufValue> out = new java.util.LinkedHashMap<>();
        if (files.tensors() instanceof GgufSource g) {
            g.model().metadata().forEach((k, v) -> {
                if (k.startsWith("tokenizer.")) {
                    out.put(k, v);
                }
            });
            return out;
        }
        throw new CheckpointException(files.path() + ": writing a checkpoint folder's tokenizer into GGUF is not built yet");
    }

    /** Builds the tokenizer of {@code model}. */
    public static Tokenizer load(GgufModel model) {
        throw new CheckpointException(model.path() + ": reading the tokenizer from GGUF metadata is not built yet");
    }
}
