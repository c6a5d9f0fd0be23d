package dev.nextinfer.core.weights;

import dev.nextinfer.kernels.Matrix;

/**
 * All weights of a Qwen3-Next model, named as in the checkpoint.
 *
 * @param embedTokens {@code model.embed_tokens.weight} [V, H], read row by row
 * @param layers      {@code model.layers.*}
 * @param norm        {@code model.norm.weight} [H]
 * @param lmHead      {@code lm_head.weight} [V, H] (the embedding when tied)
 * @param mtp         {@code mtp.*}, or null when the checkpoint has no MTP head
 */
public record ModelWeights(Matrix embedTokens, LayerWeights[] layers, float[] norm, Matrix lmHead, MtpWeights mtp) {

    /** Bytes of all matrices in their compute format (embedding counted once when tied). */
    public long matrixBytes() {
        long n = embedTokens.byteSize() + (lmHead == embedTokens ? 0 : lmHead.byteSize());
        for (LayerWeights l : layers) {
            n += layerBytes(l);
        }
        if (mtp != null) {
            n += mtp.fc().byteSize() + layerBytes(mtp.layer());
        }
        return n;
    }

    /**
     * Bytes of matrices one decode step reads per token on average: every matrix of every layer except the routed
     * experts, of which a token reads {@code expertsPerToken} of a layer's {@code E} (so {@code expertsPerToken / E} of
     * their bytes, as with uniform routing), the final {@code lm_head}, and one row of the embedding. The MTP head is not
     * counted (plain decoding does not run it). A yardstick for "how close to the memory bus", not a measurement.
     */
    public double decodeMatrixBytes(int expertsPerToken) {
        double n = lmHead.byteSize() + (double) embedTokens.byteSize() / Math.max(1, embedTokens.rows());
        for (LayerWeights l : layers) {
            long all = layerBytes(l);
            if (l.moe() != null && l.moe().experts().length > 0) {
                long experts = 0;
                for (MlpWeights e : l.moe().experts()) {
                    experts += mlpBytes(e);
                }
                int count = l.moe().experts().length;
                n += all - experts + (double) experts * Math.min(expertsPerToken, count) / count;
            } else {
                n += all;
            }
        }
        return n;
    }

    private static long layerBytes(LayerWeights l) {
        long n = 0;
        if (l.linearAttn() != null) {
            n += l.linearAttn().inProjQkvz().byteSize() + l.linearAttn().inProjBa().byteSize() + l.linearAttn().outProj().byteSize();
        }
        if (l.selfAttn() != null) {
            AttentionWeights a = l.selfAttn();
            n += a.qProj().byteSize() + a.kProj().byteSize() + a.vProj().byteSize() + a.oProj().byteSize();
        }
        if (l.moe() != null) {
            n += l.moe().gate().byteSize();
            for (MlpWeights e : l.moe().experts()) {
                n += mlpBytes(e);
            }
            if (l.moe().sharedExpert() != null) {
                n += mlpBytes(l.moe().sharedExpert());
            }
        }
        if (l.mlp() != null) {
            n += mlpBytes(l.mlp());
        }
        return n;
    }

    private static long mlpBytes(MlpWeights m) {
        return m.gateProj().byteSize() + m.upProj().byteSize() + m.downProj().byteSize();
    }
}
