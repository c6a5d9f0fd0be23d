package dev.nextinfer.core.model;

/**
 * What one decoder layer carries between forward calls of a sequence: a Gated DeltaNet layer its constant-size
 * {@link DeltaNetState}, a gated attention layer its growing {@link KvCache}. The layer kinds are exactly these
 * two, so code that treats them differently switches over this type.
 */
public sealed interface LayerState permits DeltaNetState, KvCache {

    /** Bytes held. */
    long byteSize();

    /** A copy that evolves independently (deep for a DeltaNet state, copy-on-write pages for a KV cache). */
    LayerState copy();
}
