package dev.nextinfer.core.model;

import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.ThreadPool;

/**
 * A decoder layer's feed-forward block, per token: {@link SparseMoe} (the MoE layers) or {@link FeedForward} (a
 * dense MLP, for configs with dense layers). {@code out[T][H] = ffn(x[T][H])}; {@code mode} picks the products'
 * kernel, {@code ws} holds the activations ({@code x} and {@code out} may be its {@link Workspace.Buffer#NORMED}
 * and {@link Workspace.Buffer#MIX} arrays, which the block does not ask for).
 */
sealed interface ChannelMixer permits SparseMoe, FeedForward {
    void forward(ThreadPool pool, MatMulMode mode, float[] x, int T, float[] out, Workspace ws);
}
