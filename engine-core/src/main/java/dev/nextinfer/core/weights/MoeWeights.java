package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.Matrix;

/**
 * {@code *.mlp.*} of a sparse MoE layer.
 *
 * @param gate             {@code mlp.gate} router [E, H], f32
 * @param experts          {@code mlp.experts.{e}}, e = 0..E-1
 * @param sharedExpert     {@code mlp.shared_expert}, or null if the config has none
 * @param sharedExpertGate {@code mlp.shared_expert_gate.weight} [1, H] as a vector, or null
 */
public record MoeWeights(Matrix gate, MlpWeights[] experts, MlpWeights sharedExpert, float[] sharedExpertGate) {
}
