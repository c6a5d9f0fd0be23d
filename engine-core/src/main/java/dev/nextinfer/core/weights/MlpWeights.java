package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.Matrix;

/**
 * A SwiGLU feed-forward block: {@code down(silu(gate·x) ⊙ up·x)}. Used for each routed expert, the shared expert
 * and the dense MLP of {@code mlp_only_layers}.
 *
 * @param gateProj {@code gate_proj} [I, H]
 * @param upProj   {@code up_proj} [I, H]
 * @param downProj {@code down_proj} [H, I]
 */
public record MlpWeights(Matrix gateProj, Matrix upProj, Matrix downProj) {

    /** Intermediate width I. */
    public int intermediateSize() {
        return gateProj.rows();
    }
}
