package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.Matrix;

/**
 * {@code *.self_attn.*}: gated full attention.
 *
 * @param qProj {@code q_proj} [2·nh·hd, H]: per head {@code [query | gate]}
 * @param kProj {@code k_proj} [nkv·hd, H]
 * @param vProj {@code v_proj} [nkv·hd, H]
 * @param oProj {@code o_proj} [H, nh·hd]
 * @param qNorm {@code q_norm.weight} [hd], zero-centred
 * @param kNorm {@code k_norm.weight} [hd], zero-centred
 */
public record AttentionWeights(Matrix qProj, Matrix kProj, Matrix vProj, Matrix oProj, float[] qNorm, float[] kNorm) {
}
