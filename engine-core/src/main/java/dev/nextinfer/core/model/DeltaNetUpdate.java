package dev.nextinfer.core.model;

import dev.nextinfer.kernels.CausalConv1d;
import dev.nextinfer.kernels.DeltaRule;
import dev.nextinfer.kernels.ThreadPool;

/**
 * The state change of a deferred Gated DeltaNet call over {@code T ≤ 64} tokens (one delta-rule chunk), applied
 * later for any prefix of those tokens. The call computed every output from the state it started with and kept
 * only what the update needs: the conv inputs, the keys, and per value head the cumulative decays {@code gc} and
 * the corrected values {@code vNew}. {@link #apply} then costs one read-write pass over {@code S}; nothing is
 * copied and nothing is recomputed.
 *
 * @param state the layer's state, untouched until {@link #apply}
 * @param mixed {@code [T][convDim]} conv inputs
 * @param conv  {@code [T][convDim]} conv outputs {@code q | k | v}, keys l2-normalised
 * @param gc    {@code [nv][T]} cumulative log decays
 * @param vNew  {@code [nv][T][dv]} corrected values
 */
record DeltaNetUpdate(DeltaNetState state, DeltaNetShape shape, int T, float[] mixed, float[] conv, float[] gc,
                      float[] vNew) implements LayerUpdate {

    /** Moves the state past the first {@code accepted} tokens of the call ({@code 0 ≤ accepted ≤ T}). */
    @Override
    public void apply(ThreadPool pool, int accepted) {
        if (accepted < 0 || accepted > T) {
            throw new IllegalArgumentException("accepted " + accepted + " of " + T);
        }
        int dk = shape.dk();
        int dv = shape.dv();
        int convDim = shape.convDim();
        pool.parallelFor(shape.nv(), 1, (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                DeltaRule.advance(accepted, new DeltaRule.Strided(conv, shape.kOff(j / shape.r()), convDim),
                        new DeltaRule.Carry(gc, j * T, vNew, j * T * dv), new DeltaRule.State(state.recurrent, j * dk * dv, dk, dv));
            }
        });
        CausalConv1d.pushWindow(mixed, convDim, accepted, convDim, 0, convDim, shape.kernel(), state.convWindow);
    }
}
