package dev.nextinfer.core.weights;

/** Receives progress while weights load (mapping, converting, quantising). Called from the loading thread. */
@FunctionalInterface
public interface LoadListener {
    /** A listener that ignores everything. */
    LoadListener NONE = (done, total, tensor) -> { };

    /**
     * Reports that {@code done} of {@code total} bytes of stored weights have been processed; {@code tensor} is the
     * name of the tensor just finished.
     */
    void progress(long done, long total, String tensor);
}
