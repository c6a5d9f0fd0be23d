package dev.nextinfer.core.checkpoint;

/**
 * The tensors a checkpoint offers, by the model's (Hugging Face) names. Safetensors folders and GGUF files are
 * the two implementations; the tensor plan ({@code weights.TensorPlan}) is written once against this interface.
 */
public interface TensorSource extends AutoCloseable {

    /** The file or folder, for messages. */
    String location();

    /** The tensor of that model name, or null when the checkpoint has none. */
    SourceTensor tensor(String name);

    /** Whether the checkpoint has a tensor of that model name. */
    default boolean has(String name) {
        return tensor(name) != null;
    }

    /**
     * How to say that the tensor of model name {@code name} is missing, e.g. {@code missing tensor 'x'}; a source
     * whose files use other names says which tensor it looked for.
     */
    default String describeMissing(String name) {
        return "missing tensor '" + name + "'";
    }

    /** Whether the checkpoint holds a multi-token-prediction head ({@code mtp.*}). */
    boolean hasMtp();

    /** Releases the file mappings; matrices obtained from this source become invalid. */
    @Override
    void close();
}
