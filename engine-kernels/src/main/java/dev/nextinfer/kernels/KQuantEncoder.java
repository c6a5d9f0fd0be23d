package dev.nextinfer.kernels;

import static dev.nextinfer.kernels.KBlocks.QK_K;
import static dev.nextinfer.kernels.KQuantSearch.nearestInt;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * llama.cpp's reference quantisers of the K-quant formats ({@code quantize_row_q4_K_ref} etc. in
 * {@code ggml-quants.c}), re-implemented to give the same bytes: these are what {@code llama-quantize} runs when it
 * has no importance matrix, so a row encoded here equals the row of a GGUF file quantised from the same f32 values.
 * The scale searches are in {@link KQuantSearch}; f16 fields are rounded to nearest even, as
 * {@code GGML_FP32_TO_FP16} does for every finite value. Each method encodes one row of {@code cols} values (a
 * multiple of 256), super-block by super-block, at byte {@code dstOff} of {@code dst} in the layout documented on the
 * format's matrix class.
 */
final class KQuantEncoder {
    private KQuantEncoder() {
    }

    private static short f16(float v) {
        return Float.floatToFloat16(v);
    }

    /**
     * Packs 8 six-bit scales and minimums into the 12 bytes of Q4_K and Q5_K ({@code ls, lm} already capped at 63):
     * the inverse of {@code get_scale_min_k4}, in the reference quantiser's order of writes.
     */
    private static void packScaleMin(byte[] blk, int at, int[] ls, int[] lm) {
        for (int j = 0; j < 8; ++j) {
            if (j < 4) {
                blk[at + j] = (byte) ls[j];
                blk[at + j + 4] = (byte) lm[j];
            } else {
                blk[at + j + 4] = (byte) ((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
                blk[at + j - 4] |= (byte) ((ls[j] >> 4) << 6);
                blk[at + j] |= (byte) ((lm[j] >> 4) << 6);
            }
        }
    }

    /** {@code get_scale_min_k4}: scale ({@code which = 0}) or minimum ({@code 1}) of sub-block {@code j}. */
    private static int scaleMin(byte[] blk, int at, int j, int which) {
        if (j < 4) {
            return blk[at + j + 4 * which] & 63;
        }
        if (which == 0) {
            return (blk[at + j + 4] & 0xF) | (((blk[at + j - 4] & 0xFF) >> 6) << 4);
        }
        return ((blk[at + j + 4] & 0xFF) >> 4) | (((blk[at + j] & 0xFF) >> 6) << 4);
    }

    /**
     * The 6-bit scales and minimums of Q4_K and Q5_K ({@code quantize_row_q4_K_ref} / {@code _q5_K_ref}): each
     * sub-block of 32 gets {@code make_qkx2_quants} with weights {@code √(mean x²) + |x|}; the sub-block scales and
     * minimums are then quantised to 6 bits against the super-block's largest, and {@code d}, {@code dmin} stored
     * as f16. Fills {@code blk[0..16)} and leaves the levels of the search in {@code L}.
     */
    private static void scalesAndMins(float[] x, int o, int nmax, float rmin, float rdelta, int nstep, byte[] blk, byte[] L) {
        float[] weights = new float[32];
        float[] mins = new float[8];
        float[] scales = new float[8];
        byte[] laux = new byte[32];
        float maxScale = 0;
        float maxMin = 0;
        for (int j = 0; j < 8; ++j) {
            float sumX2 = 0;
            for (int l = 0; l < 32; ++l) {
                sumX2 += x[o + 32 * j + l] * x[o + 32 * j + l];
            }
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; ++l) {
                weights[l] = avX + Math.abs(x[o + 32 * j + l]);
            }
            scales[j] = KQuantSearch.makeQkx2Quants(32, nmax, x, o + 32 * j, weights, L, 32 * j, mins, j, laux, rmin, rdelta,
                    nstep, false);
            if (scales[j] > maxScale) {
                maxScale = scales[j];
            }
            if (mins[j] > maxMin) {
                maxMin = mins[j];
            }
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int[] ls = new int[8];
        int[] lm = new int[8];
        for (int j = 0; j < 8; ++j) {
            // stored through a uint8_t in C, then capped
            ls[j] = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            lm[j] = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
        }
        packScaleMin(blk, 4, ls, lm);
        short d = f16(maxScale / 63.f);
        short dmin = f16(maxMin / 63.f);
        blk[0] = (byte) d;
        blk[1] = (byte) (d >> 8);
        blk[2] = (byte) dmin;
        blk[3] = (byte) (dmin >> 8);
    }

    /**
     * Final levels of Q4_K and Q5_K against the stored (rounded) scales: {@code L = nearest((x + dm) / d)} clamped
     * to {@code [0, nmax]}; a sub-block whose stored scale is 0 keeps the levels of the search.
     */
    private static void levels(float[] x, int o, int nmax, byte[] blk, byte[] L) {
        float d0 = Float.float16ToFloat((short) ((blk[0] & 0xFF) | blk[1] << 8));
        float dmin0 = Float.float16ToFloat((short) ((blk[2] & 0xFF) | blk[3] << 8));
        for (int j = 0; j < 8; ++j) {
            float d = d0 * scaleMin(blk, 4, j, 0);
            if (d == 0) {
                continue;
            }
            float dm = dmin0 * scaleMin(blk, 4, j, 1);
            for (int ii = 0; ii < 32; ++ii) {
                int l = nearestInt((x[o + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = (byte) Math.max(0, Math.min(nmax, l));
            }
        }
    }

    /** {@code quantize_row_q4_K_ref}: one row in the layout of {@link Q4_KMatrix}. */
    static void q4_K(float[] src, int srcOff, MemorySegment dst, long dstOff, int cols) {
        byte[] blk = new byte[Q4_KMatrix.BLOCK_BYTES];
        byte[] L = new byte[QK_K];
        for (int b = 0; b < cols / QK_K; b++) {
            int o = srcOff + QK_K * b;
            java.util.Arrays.fill(blk, (byte) 0);
            scalesAndMins(src, o, 15, -1.f, 0.1f, 20, blk, L);
            levels(src, o, 15, blk, L);
            for (int j = 0; j < QK_K; j += 64) {
                for (int l = 0; l < 32; ++l) {
                    blk[16 + j / 2 + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
                }
            }
            MemorySegment.copy(blk, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * blk.length, blk.length);
        }
    }

    /** {@code quantize_row_q5_K_ref}: one row in the layout of {@link Q5_KMatrix}. */
    static void q5_K(float[] src, int srcOff, MemorySegment dst, long dstOff, int cols) {
        byte[] blk = new byte[Q5_KMatrix.BLOCK_BYTES];
        byte[] L = new byte[QK_K];
        for (int b = 0; b < cols / QK_K; b++) {
            int o = srcOff + QK_K * b;
            java.util.Arrays.fill(blk, (byte) 0);
            scalesAndMins(src, o, 31, -0.5f, 0.1f, 15, blk, L);
            levels(src, o, 31, blk, L);
            // low 4 bits as in Q4_K (bytes 48..175), the fifth bit of value 64g + 32h + l in bit 2g + h of qh[l]
            int m1 = 1;
            int m2 = 2;
            for (int n = 0; n < QK_K; n += 64) {
                for (int j = 0; j < 32; ++j) {
                    int l1 = L[n + j];
                    if (l1 > 15) {
                        l1 -= 16;
                        blk[16 + j] |= (byte) m1;
                    }
                    int l2 = L[n + j + 32];
                    if (l2 > 15) {
                        l2 -= 16;
                        blk[16 + j] |= (byte) m2;
                    }
                    blk[48 + n / 2 + j] = (byte) (l1 | (l2 << 4));
                }
                m1 <<= 2;
                m2 <<= 2;
            }
            MemorySegment.copy(blk, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * blk.length, blk.length);
        }
    }

    /**
     * {@code quantize_row_q6_K_ref}: one row in the layout of {@link Q6_KMatrix}. Each sub-block of 16 gets
     * {@code make_qx_quants(16, 32, rmse_type 1)}; the 16 scales are quantised to int8 against the one of largest
     * magnitude ({@code d = max / −128}); a super-block whose scales are all below {@code GROUP_MAX_EPS} is all zero.
     */
    static void q6_K(float[] src, int srcOff, MemorySegment dst, long dstOff, int cols) {
        byte[] blk = new byte[Q6_KMatrix.BLOCK_BYTES];
        byte[] L = new byte[QK_K];
        float[] scales = new float[16];
        for (int b = 0; b < cols / QK_K; b++) {
            int o = srcOff + QK_K * b;
            java.util.Arrays.fill(blk, (byte) 0);
            float maxScale = 0;
            float maxAbsScale = 0;
            for (int ib = 0; ib < 16; ++ib) {
                float scale = KQuantSearch.makeQxQuants(16, 32, src, o + 16 * ib, L, 16 * ib, 1);
                scales[ib] = scale;
                float absScale = Math.abs(scale);
                if (absScale > maxAbsScale) {
                    maxAbsScale = absScale;
                    maxScale = scale;
                }
            }
            if (maxAbsScale >= KQuantSearch.GROUP_MAX_EPS) {
                float iscale = -128.f / maxScale;
                short d = f16(1 / iscale);
                blk[208] = (byte) d;
                blk[209] = (byte) (d >> 8);
                for (int ib = 0; ib < 16; ++ib) {
                    blk[192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
                }
                float d0 = Float.float16ToFloat(d);
                for (int j = 0; j < 16; ++j) {
                    float dj = d0 * blk[192 + j];
                    if (dj == 0) {
                        continue;
                    }
                    for (int ii = 0; ii < 16; ++ii) {
                        int l = nearestInt(src[o + 16 * j + ii] / dj);
                        L[16 * j + ii] = (byte) (Math.max(-32, Math.min(31, l)) + 32);
                    }
                }
                for (int j = 0; j < QK_K; j += 128) {
                    int ql = j / 2;
                    int qh = 128 + j / 4;
                    for (int l = 0; l < 32; ++l) {
                        int q1 = L[j + l] & 0xF;
                        int q2 = L[j + l + 32] & 0xF;
                        int q3 = L[j + l + 64] & 0xF;
                        int q4 = L[j + l + 96] & 0xF;
                        blk[ql + l] = (byte) (q1 | (q3 << 4));
                        blk[ql + l + 32] = (byte) (q2 | (q4 << 4));
                        blk[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4)
                                | ((L[j + l + 96] >> 4) << 6));
                    }
                }
            }
            MemorySegment.copy(blk, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * blk.length, blk.length);
        }
    }

    /** Packs 2-bit levels as Q2_K and Q3_K store them: bits 2t of byte 32h + l hold level 128h + 32t + l. */
    private static void pack2(byte[] L, byte[] blk, int at) {
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; ++l) {
                blk[at + j / 4 + l] = (byte) (L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
            }
        }
    }

    /**
     * {@code quantize_row_q2_K_ref}: one row in the layout of {@link Q2_KMatrix}. Each sub-block of 16 gets
     * {@code make_qkx2_quants(16, 3)} with weights {@code |x|} and absolute-error search; the 16 scales and
     * minimums are quantised to 4 bits against the super-block's largest.
     */
    static void q2_K(float[] src, int srcOff, MemorySegment dst, long dstOff, int cols) {
        byte[] blk = new byte[Q2_KMatrix.BLOCK_BYTES];
        byte[] L = new byte[QK_K];
        byte[] laux = new byte[16];
        float[] weights = new float[16];
        float[] mins = new float[16];
        float[] scales = new float[16];
        final float q4scale = 15.f;
        for (int b = 0; b < cols / QK_K; b++) {
            int o = srcOff + QK_K * b;
            java.util.Arrays.fill(blk, (byte) 0);
            float maxScale = 0;
            float maxMin = 0;
            for (int j = 0; j < 16; ++j) {
                for (int l = 0; l < 16; ++l) {
                    weights[l] = Math.abs(src[o + 16 * j + l]);
                }
                scales[j] = KQuantSearch.makeQkx2Quants(16, 3, src, o + 16 * j, weights, L, 16 * j, mins, j, laux, -0.5f, 0.1f,
                        15, true);
                if (scales[j] > maxScale) {
                    maxScale = scales[j];
                }
                if (mins[j] > maxMin) {
                    maxMin = mins[j];
                }
            }
            short d = f16(0.f);
            if (maxScale > 0) {
                float iscale = q4scale / maxScale;
                for (int j = 0; j < 16; ++j) {
                    blk[j] = (byte) nearestInt(iscale * scales[j]);
                }
                d = f16(maxScale / q4scale);
            }
            short dmin = f16(0.f);
            if (maxMin > 0) {
                float iscale = q4scale / maxMin;
                for (int j = 0; j < 16; ++j) {
                    blk[j] |= (byte) (nearestInt(iscale * mins[j]) << 4);
                }
                dmin = f16(maxMin / q4scale);
            }
            float d0 = Float.float16ToFloat(d);
            float dmin0 = Float.float16ToFloat(dmin);
            for (int j = 0; j < 16; ++j) {
                float dj = d0 * (blk[j] & 0xF);
                if (dj == 0) {
                    continue;
                }
                float dm = dmin0 * ((blk[j] & 0xFF) >> 4);
                for (int ii = 0; ii < 16; ++ii) {
                    int l = nearestInt((src[o + 16 * j + ii] + dm) / dj);
                    L[16 * j + ii] = (byte) Math.max(0, Math.min(3, l));
                }
            }
            pack2(L, blk, 16);
            blk[80] = (byte) d;
            blk[81] = (byte) (d >> 8);
            blk[82] = (byte) dmin;
            blk[83] = (byte) (dmin >> 8);
            MemorySegment.copy(blk, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * blk.length, blk.length);
        }
    }

    /**
     * {@code quantize_row_q3_K_ref}: one row in the layout of {@link Q3_KMatrix}. Each sub-block of 16 gets
     * {@code make_q3_quants(16, 4)} with its greedy refinement; the 16 signed scales are quantised to 6 bits against
     * the one of largest magnitude ({@code d = max / −32}).
     */
    static void q3_K(float[] src, int srcOff, MemorySegment dst, long dstOff, int cols) {
        byte[] blk = new byte[Q3_KMatrix.BLOCK_BYTES];
        byte[] L = new byte[QK_K];
        float[] scales = new float[16];
        for (int b = 0; b < cols / QK_K; b++) {
            int o = srcOff + QK_K * b;
            java.util.Arrays.fill(blk, (byte) 0);
            float maxScale = 0;
            float amax = 0;
            for (int j = 0; j < 16; ++j) {
                scales[j] = KQuantSearch.makeQ3Quants(16, 4, src, o + 16 * j, L, 16 * j, true);
                float scale = Math.abs(scales[j]);
                if (scale > amax) {
                    amax = scale;
                    maxScale = scales[j];
                }
            }
            short d = f16(0.f);
            if (maxScale != 0) {
                float iscale = -32.f / maxScale;
                for (int j = 0; j < 16; ++j) {
                    int l = (byte) nearestInt(iscale * scales[j]); // an int8_t in C
                    l = Math.max(-32, Math.min(31, l)) + 32;
                    if (j < 8) {
                        blk[96 + j] = (byte) (l & 0xF);
                    } else {
                        blk[96 + j - 8] |= (byte) ((l & 0xF) << 4);
                    }
                    l >>= 4;
                    blk[96 + j % 4 + 8] |= (byte) (l << (2 * (j / 4)));
                }
                d = f16(1 / iscale);
            }
            float d0 = Float.float16ToFloat(d);
            for (int j = 0; j < 16; ++j) {
                int sc = j < 8 ? blk[96 + j] & 0xF : (blk[96 + j - 8] & 0xFF) >> 4;
                sc = (sc | (((blk[96 + 8 + j % 4] & 0xFF) >> (2 * (j / 4))) & 3) << 4) - 32;
                float dj = d0 * sc;
                if (dj == 0) {
                    continue;
                }
                for (int ii = 0; ii < 16; ++ii) {
                    int l = nearestInt(src[o + 16 * j + ii] / dj);
                    L[16 * j + ii] = (byte) (Math.max(-4, Math.min(3, l)) + 4);
                }
            }
            // high bits: the bit of level j goes to bit j / 32 of hmask[j % 32]
            for (int j = 0; j < QK_K; ++j) {
                if (L[j] > 3) {
                    blk[j % 32] |= (byte) (1 << (j / 32));
                    L[j] -= 4;
                }
            }
            pack2(L, blk, 32);
            blk[108] = (byte) d;
            blk[109] = (byte) (d >> 8);
            MemorySegment.copy(blk, 0, dst, ValueLayout.JAVA_BYTE, dstOff + (long) b * blk.length, blk.length);
        }
    }
}
