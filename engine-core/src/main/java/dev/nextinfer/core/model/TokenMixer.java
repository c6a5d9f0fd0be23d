package dev.nextinfer.core.model;

/**
 * The kind of a decoder layer, named by its token mixer: {@link GatedDeltaNet} (state: {@link DeltaNetState}) or
 * {@link GatedAttention} (state: {@link KvCache}). {@link DecoderLayer} switches over it.
 */
sealed interface TokenMixer permits GatedDeltaNet, GatedAttention {
}
