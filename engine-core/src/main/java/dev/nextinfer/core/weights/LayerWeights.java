package dev.nextinfer.core.weights;

/**
 * One decoder layer: exactly one of {@code linearAttn}/{@code selfAttn} and one of {@code moe}/{@code mlp} are set.
 *
 * @param inputLayernorm         {@code input_layernorm.weight} [H], zero-centred
 * @param postAttentionLayernorm {@code post_attention_layernorm.weight} [H], zero-centred
 * @param linearAttn             Gated DeltaNet mixer, or null
 * @param selfAttn               gated attention mixer, or null
 * @param moe                    sparse MoE, or null
 * @param mlp                    dense MLP, or null
 */
public record LayerWeights(float[] inputLayernorm, float[] postAttentionLayernorm, DeltaNetWeights linearAttn,
                           AttentionWeights selfAttn, MoeWeights moe, MlpWeights mlp) {
}
