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
