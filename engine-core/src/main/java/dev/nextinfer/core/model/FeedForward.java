package dev.nextinfer.core.model;

import dev.nextinfer.core.weights.MlpWeights;
import dev.nextinfer.kernels.Activations;
import dev.nextinfer.kernels.GroupedLinear;
import dev.nextinfer.kernels.Linear;
import dev.nextinfer.kernels.MatMulMode;
import dev.nextinfer.kernels.Matrix;
import dev.nextinfer.kernels.ThreadPool;

/** SwiGLU feed-forward: {@code down_proj(silu(gate_proj(x)) ⊙ up_proj(x))} over {@code n} rows. */
final class FeedForward implements ChannelMixer {
    private final MlpWeights w;

    FeedForward(MlpWeights w) {
        this.w = w;
    }

    /** {@code out[n][H] = ffn(x[n][H])}; {@code mode} picks the products' kernel ({@link MatMulMode}). */
    @Override
    public void forward(ThreadPool pool, MatMulMode mode, float[] x, int n, float[] out, Workspace ws) {
        int inter = w.intermediateSize();
        float[] gate = ws.floats(Workspace.Buffer.FFN_GATE, n * inter);
        float[] up = ws.floats(Workspace.Buffer.FFN_UP, n * inter);
        GroupedLinear.forward(pool, mode, 2, new Matrix[] {w.gateProj(), w.upProj()}, new float[][] {x, x}, new int[] {n, n},
                new float[][] {gate, up});
        Activations.swiglu(gate, 0, up, 0, n * inter);
        Linear.forward(pool, mode, w.downProj(), gate, n, out);
    }
}
