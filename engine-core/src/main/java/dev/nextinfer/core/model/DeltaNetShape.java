package dev.nextinfer.core.model;

import dev.nextinfer.core.config.Qwen3NextConfig;

/**
 * The shapes of a Gated DeltaNet layer: {@code nk} key heads and {@code nv} value heads (value head {@code j} reads
 * key head {@code j / r}), head dims {@code dk} and {@code dv}, and the causal conv's {@code kernel} width over the
 * {@code convDim = 2·nk·dk + nv·dv} channels {@code [q | k | v]}.
 */
record DeltaNetShape(int nk, int nv, int dk, int dv, int kernel) {

    static DeltaNetShape of(Qwen3NextConfig cfg) {
        return new DeltaNetShape(cfg.linearNumKeyHeads(), cfg.linearNumValueHeads(), cfg.linearKeyHeadDim(),
                cfg.linearValueHeadDim(), cfg.linearConvKernelDim());
    }

    /** Value heads per key head. */
    int r() {
        return nv / nk;
    }

    /** Conv channels: q, k and v of every head. */
    int convDim() {
        return 2 * nk * dk + nv * dv;
    }

    /** Where key head {@code hk}'s q starts in a conv row. */
    int qOff(int hk) {
        return hk * dk;
    }

    /** Where key head {@code hk}'s k starts in a conv row. */
    int kOff(int hk) {
        return nk * dk + hk * dk;
    }

    /** Where value head {@code j}'s v starts in a conv row. */
    int vOff(int j) {
        return 2 * nk * dk + j * dv;
    }
}
