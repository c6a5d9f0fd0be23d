package dev.nextinfer.kernels;

/**
 * The scale searches of llama.cpp's reference K-quant quantisers ({@code ggml-quants.c}), re-implemented so that
 * they make the same choices bit for bit: the same f32 operations in the same order (Java's float arithmetic is
 * IEEE binary32 without contraction into FMAs, like ggml-base, which is compiled without FMA), ggml's
 * {@code nearest_int} (round half to even through the 1.5·2²³ trick) and the same tie-breaking ({@code >} vs
 * {@code ≥}) in every comparison. Each method documents the C function it reproduces.
 */
final class KQuantSearch {
    /** ggml's GROUP_MAX_EPS: a group whose largest magnitude is below this is all zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    private KQuantSearch() {
    }

    /**
     * ggml's {@code nearest_int}: adds 1.5·2²³ in f32, which rounds to an integer half to even, and reads the
     * integer from the mantissa. Valid for {@code |v| ≤ 4194303}.
     */
    static int nearestInt(float v) {
        int i = Float.floatToRawIntBits(v + 12582912f);
        return (i & 0x007fffff) - 0x00400000;
    }

    /**
     * {@code make_qkx2_quants}: the scale and minimum of an asymmetric group ({@code x ≈ scale·L − min},
     * {@code L ∈ [0, nmax]}) that minimise the weighted error, searched over {@code nstep + 1} candidate inverse
     * scales {@code (rmin + rdelta·is + nmax) / (max − min)}, each refined by weighted least squares. Writes the
     * levels to {@code L[lOff ..]}, returns the scale, and stores the minimum as a positive number in
     * {@code theMin[minIdx]} (ggml returns {@code −min}).
     *
     * @param laux scratch of {@code n} levels
     */
    static float makeQkx2Quants(int n, int nmax, float[] x, int xOff, float[] weights, byte[] L, int lOff,
            float[] theMin, int minIdx, byte[] laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xOff];
        float max = x[xOff];
        float sumW = weights[0];
        float sumX = sumW * x[xOff];
        for (int i = 1; i < n; ++i) {
            float xi = x[xOff + i];
            if (xi < min) {
                min = xi;
            }
            if (xi > max) {
                max = xi;
            }
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) {
            min = 0;
        }
        if (max == min) {
            for (int i = 0; i < n; ++i) {
                L[lOff + i] = 0;
            }
            theMin[minIdx] = -min;
            return 0.f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * (x[xOff + i] - min));
            l = Math.max(0, Math.min(nmax, l));
            L[lOff + i] = (byte) l;
            float diff = scale * l + min - x[xOff + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[minIdx] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; ++is) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0;
            float sumL2 = 0;
            float sumXl = 0;
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscale * (x[xOff + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                laux[i] = (byte) l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXl += w * l * x[xOff + i];
            }
            float d = sumW * sumL2 - sumL * sumL;
            if (d > 0) {
                float thisScale = (sumW * sumXl - sumX * sumL) / d;
                float thisMin = (sumL2 * sumX - sumL * sumXl) / d;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXl / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; ++i) {
                    float diff = thisScale * laux[i] + thisMin - x[xOff + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    System.arraycopy(laux, 0, L, lOff, n);
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[minIdx] = -min;
        return scale;
    }

    /**
     * {@code make_qx_quants} with no importance weights: the scale of a symmetric group
     * ({@code x ≈ scale·(L − nmax)}, {@code L ∈ [0, 2·nmax)}), searched over the 19 inverse scales
     * {@code −(nmax + 0.1·is) / max}. {@code rmseType} 1 weighs each value by {@code x²} (2: by 1, 3: by |x|,
     * 4: by √|x|), 0 rounds once without a search; a negative type returns after the first pass. Writes the
     * levels to {@code L[lOff ..]} and returns the scale.
     */
    static float makeQxQuants(int n, int nmax, float[] x, int xOff, byte[] L, int lOff, int rmseType) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xOff + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) {
                L[lOff + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        if (rmseType == 0) {
            for (int i = 0; i < n; ++i) {
                int l = nearestInt(iscale * x[xOff + i]);
                L[lOff + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
            }
            return 1 / iscale;
        }
        boolean returnEarly = false;
        if (rmseType < 0) {
            rmseType = -rmseType;
            returnEarly = true;
        }
        float sumlx = 0;
        float suml2 = 0;
        for (int i = 0; i < n; ++i) {
            float xi = x[xOff + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lOff + i] = (byte) (l + nmax);
            float w = weight(rmseType, xi);
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
        if (returnEarly) {
            return suml2 > 0 ? 0.5f * (scale + 1 / iscale) : 1 / iscale;
        }
        float best = scale * sumlx;
        for (int is = -9; is <= 9; ++is) {
            if (is == 0) {
                continue;
            }
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0;
            suml2 = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xOff + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = weight(rmseType, xi);
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; ++i) {
                    int l = nearestInt(iscale * x[xOff + i]);
                    L[lOff + i] = (byte) (nmax + Math.max(-nmax, Math.min(nmax - 1, l)));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /** The per-value weight of {@code make_qx_quants} without importance weights. */
    private static float weight(int rmseType, float x) {
        return switch (rmseType) {
            case 1 -> x * x;
            case 2 -> 1;
            case 3 -> Math.abs(x);
            default -> (float) Math.sqrt(Math.abs(x));
        };
    }

    /**
     * {@code make_q3_quants}: the scale of a symmetric group ({@code L ∈ [−nmax, nmax)}) with, when {@code doRmse},
     * up to 5 passes of greedy per-value level changes that raise {@code (Σ w·x·L)² / Σ w·L²} ({@code w = x²}).
     * Writes the levels plus {@code nmax} to {@code L[lOff ..]} and returns the scale.
     */
    static float makeQ3Quants(int n, int nmax, float[] x, int xOff, byte[] L, int lOff, boolean doRmse) {
        float max = 0;
        float amax = 0;
        for (int i = 0; i < n; ++i) {
            float ax = Math.abs(x[xOff + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xOff + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; ++i) {
                L[lOff + i] = 0;
            }
            return 0.f;
        }
        float iscale = -nmax / max;
        if (doRmse) {
            float sumlx = 0;
            float suml2 = 0;
            for (int i = 0; i < n; ++i) {
                float xi = x[xOff + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                L[lOff + i] = (byte) l;
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            for (int itry = 0; itry < 5; ++itry) {
                int nChanged = 0;
                for (int i = 0; i < n; ++i) {
                    float xi = x[xOff + i];
                    int li = L[lOff + i];
                    float w = xi * xi;
                    float slx = sumlx - w * xi * li;
                    if (slx > 0) {
                        float sl2 = suml2 - w * li * li;
                        int newL = nearestInt(xi * sl2 / slx);
                        newL = Math.max(-nmax, Math.min(nmax - 1, newL));
                        if (newL != li) {
                            slx += w * xi * newL;
                            sl2 += w * newL * newL;
                            if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                                L[lOff + i] = (byte) newL;
                                sumlx = slx;
                                suml2 = sl2;
                                ++nChanged;
                            }
                        }
                    }
                }
                if (nChanged == 0) {
                    break;
                }
            }
            for (int i = 0; i < n; ++i) {
                L[lOff + i] += (byte) nmax;
            }
            return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
        }
        for (int i = 0; i < n; ++i) {
            int l = nearestInt(iscale * x[xOff + i]);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lOff + i] = (byte) (l + nmax);
        }
        return 1 / iscale;
    }
}
