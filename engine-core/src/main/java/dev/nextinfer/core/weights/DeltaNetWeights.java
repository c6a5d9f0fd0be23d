package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.Matrix;

/**
 * {@code model.layers.{i}.linear_attn.*}: a Gated DeltaNet token mixer.
 *
 * @param inProjQkvz {@code in_proj_qkvz} [2·nk·dk + 2·nv·dv, H], grouped per key head
 * @param inProjBa   {@code in_proj_ba} [2·nv, H], grouped per key head
 * @param conv1d     {@code conv1d.weight} [C, 1, K] flattened to {@code [c·K + j]}
 * @param aLog       {@code A_log} [nv]
 * @param dtBias     {@code dt_bias} [nv]
 * @param norm       {@code norm.weight} [dv] (gated RMSNorm, plain weight)
 * @param outProj    {@code out_proj} [H, nv·dv]
 */
public record DeltaNetWeights(Matrix inProjQkvz, Matrix inProjBa, float[] conv1d, float[] aLog, float[] dtBias,
                              float[] norm, Matrix outProj) {
}
