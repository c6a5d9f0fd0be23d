package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.Matrix;

/**
 * {@code mtp.*}: the multi-token-prediction head.
 *
 * @param preFcNormEmbedding {@code mtp.pre_fc_norm_embedding.weight} [H]
 * @param preFcNormHidden    {@code mtp.pre_fc_norm_hidden.weight} [H]
 * @param fc                 {@code mtp.fc.weight} [H, 2H]: input {@code [norm(embed) | norm(hidden)]}
 * @param layer              {@code mtp.layers.0}: a full-attention decoder layer
 * @param norm               {@code mtp.norm.weight} [H]
 */
public record MtpWeights(float[] preFcNormEmbedding, float[] preFcNormHidden, Matrix fc, LayerWeights layer,
                         float[] norm) {
}
