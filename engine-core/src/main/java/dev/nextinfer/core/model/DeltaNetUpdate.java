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
 */
final class DeltaNetUpdate {
    private final DeltaNetState state;
    private final int T;
    private final float[] mixed;   // [T][convDim] conv inputs
    private final float[] conv;    // [T][convDim] conv outputs: q | k | v, keys l2-normalised
    private final float[] gc;      // [nv][T]
    private final float[] vNew;    // [nv][T][dv]
    private final int convDim;
    private final int kernel;
    private final int nk;
    private final int nv;
    private final int dk;
    private final int dv;
    private final int r;

    DeltaNetUpdate(DeltaNetState state, int T, float[] mixed, float[] conv, float[] gc, float[] vNew,
                   int convDim, int kernel, int nk, int nv, int dk, int dv) {
        this.state = state;
        this.T = T;
        this.mixed = mixed;
        this.conv = conv;
        this.gc = gc;
        this.vNew = vNew;
        this.convDim = convDim;
        this.kernel = kernel;
        this.nk = nk;
        this.nv = nv;
        this.dk = dk;
        this.dv = dv;
        this.r = nv / nk;
    }

    /** Moves the state past the first {@code accepted} tokens of the call ({@code 0 ≤ accepted ≤ T}). */
    void apply(ThreadPool pool, int accepted) {
        if (accepted < 0 || accepted > T) {
            throw new IllegalArgumentException("accepted " + accepted + " of " + T);
        }
        float[] S = state.recurrent;
        pool.parallelFor(nv, 1, (j0, j1) -> {
            for (int j = j0; j < j1; j++) {
                int kOff = nk * dk + (j / r) * dk;
                DeltaRule.advance(accepted, dk, dv, conv, kOff, convDim, gc, j * T, vNew, j * T * dv, S, j * dk * dv);
            }
        });
        CausalConv1d.pushWindow(mixed, convDim, accepted, convDim, 0, convDim, kernel, state.convWindow);
    }
}
