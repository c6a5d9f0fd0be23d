package dev.nextinfer.core.config;

import java.util.List;

/**
 * The architecture of a Qwen3-Next checkpoint, as {@code config.json} describes it, with the defaults of
 * transformers' {@code Qwen3NextConfig}. Immutable; read it with {@link ConfigParser}.
 *
 * <p>Field names follow {@code config.json} in camel case.
 *
 * @param vocabSize                    rows of {@code embed_tokens} and {@code lm_head}
 * @param hiddenSize                   residual stream width H
 * @param intermediateSize             width of the dense MLP ({@code mlp_only_layers} only)
 * @param numHiddenLayers              decoder layers
 * @param numAttentionHeads            query heads of full-attention layers
 * @param numKeyValueHeads             kv heads of full-attention layers
 * @param headDim                      width of an attention head
 * @param maxPositionEmbeddings        context length the model supports
 * @param rmsNormEps                   eps inside every RMSNorm
 * @param tieWordEmbeddings            {@code lm_head} is {@code embed_tokens}
 * @param ropeTheta                    RoPE base
 * @param partialRotaryFactor          share of each head that is rotated
 * @param ropeScaling                  YaRN parameters, or null for plain RoPE
 * @param linearConvKernelDim          DeltaNet causal conv width K
 * @param linearKeyHeadDim             DeltaNet dk
 * @param linearValueHeadDim           DeltaNet dv
 * @param linearNumKeyHeads            DeltaNet nk
 * @param linearNumValueHeads          DeltaNet nv (a multiple of nk)
 * @param decoderSparseStep            every n-th layer is MoE
 * @param moeIntermediateSize          width of one routed expert
 * @param sharedExpertIntermediateSize width of the shared expert (0 = none)
 * @param numExpertsPerTok             routed experts per token (top-k)
 * @param numExperts                   routed experts per MoE layer
 * @param normTopkProb                 renormalise the top-k router probabilities
 * @param mlpOnlyLayers                layers with a dense MLP instead of MoE
 * @param layerTypes                   token mixer of each layer
 * @param bosTokenId                   beginning-of-sequence id, or -1
 * @param eosTokenIds                  end-of-sequence ids (may be empty)
 * @param fp8BlockSize                 {@code [rows, cols]} of FP8 weight blocks, or null if not an FP8 checkpoint
 * @param defaultedKeys                architecture keys absent from the file, whose defaults were used (for errors)
 */
public record Qwen3NextConfig(
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int numKeyValueHeads,
        int headDim,
        int maxPositionEmbeddings,
        double rmsNormEps,
        boolean tieWordEmbeddings,
        double ropeTheta,
        double partialRotaryFactor,
        RopeScaling ropeScaling,
        int linearConvKernelDim,
        int linearKeyHeadDim,
        int linearValueHeadDim,
        int linearNumKeyHeads,
        int linearNumValueHeads,
        int decoderSparseStep,
        int moeIntermediateSize,
        int sharedExpertIntermediateSize,
        int numExpertsPerTok,
        int numExperts,
        boolean normTopkProb,
        List<Integer> mlpOnlyLayers,
        List<LayerType> layerTypes,
        int bosTokenId,
        List<Integer> eosTokenIds,
        int[] fp8BlockSize,
        List<String> defaultedKeys) {

    /** Defensive copies keep the record immutable. */
    public Qwen3NextConfig {
        mlpOnlyLayers = List.copyOf(mlpOnlyLayers);
        layerTypes = List.copyOf(layerTypes);
        eosTokenIds = List.copyOf(eosTokenIds);
        defaultedKeys = List.copyOf(defaultedKeys);
        fp8BlockSize = fp8BlockSize == null ? null : fp8BlockSize.clone();
    }

    /** FP8 block shape {@code [rows, cols]}, or null. */
    @Override
    public int[] fp8BlockSize() {
        return fp8BlockSize == null ? null : fp8BlockSize.clone();
    }

    /** The token mixer of layer {@code i}. */
    public LayerType layerType(int i) {
        return layerTypes.get(i);
    }

    /** Whether layer {@code i} uses the sparse MoE block (else a dense MLP), as transformers decides. */
    public boolean isMoeLayer(int i) {
        return !mlpOnlyLayers.contains(i) && numExperts > 0 && (i + 1) % decoderSparseStep == 0;
    }

    /** Rotated dimensions per attention head: {@code int(headDim · partialRotaryFactor)}. */
    public int rotaryDim() {
        return (int) (headDim * partialRotaryFactor);
    }

    /** Value heads per key head in DeltaNet ({@code r = nv / nk}). */
    public int linearHeadRatio() {
        return linearNumValueHeads / linearNumKeyHeads;
    }

    /** Channels of the DeltaNet causal conv: {@code 2·nk·dk + nv·dv} (q, k, v). */
    public int linearConvDim() {
        return 2 * linearNumKeyHeads * linearKeyHeadDim + linearNumValueHeads * linearValueHeadDim;
    }

    /** Rows of {@code in_proj_qkvz}: {@code 2·nk·dk + 2·nv·dv}. */
    public int linearQkvzDim() {
        return 2 * linearNumKeyHeads * linearKeyHeadDim + 2 * linearNumValueHeads * linearValueHeadDim;
    }

    /**
     * Most positions a sequence can use: {@code max_position_embeddings}, or with YaRN scaling by a factor F
     * the larger of that and {@code F × original_max_position_embeddings} (4 × 262,144 = 1,048,576 for the
     * model card's YaRN setting, which the card quotes as about 1M / 1,010,000 tokens).
     */
    public int contextLimit() {
        if (ropeScaling == null) {
            return maxPositionEmbeddings;
        }
        double scaled = Math.floor(ropeScaling.factor() * ropeScaling.originalMaxPositionEmbeddings());
        return (int) Math.max(maxPositionEmbeddings, Math.min(Integer.MAX_VALUE - 1024, scaled));
    }

    /** This config with other RoPE scaling (null = plain RoPE). */
    public Qwen3NextConfig withRopeScaling(RopeScaling scaling) {
        return new Qwen3NextConfig(vocabSize, hiddenSize, intermediateSize, numHiddenLayers, numAttentionHeads,
                numKeyValueHeads, headDim, maxPositionEmbeddings, rmsNormEps, tieWordEmbeddings, ropeTheta,
                partialRotaryFactor, scaling, linearConvKernelDim, linearKeyHeadDim, linearValueHeadDim,
                linearNumKeyHeads, linearNumValueHeads, decoderSparseStep, moeIntermediateSize,
                sharedExpertIntermediateSize, numExpertsPerTok, numExperts, normTopkProb, mlpOnlyLayers, layerTypes,
                bosTokenId, eosTokenIds, fp8BlockSize, defaultedKeys);
    }

    /** Number of full-attention layers (the ones with a KV cache). */
    public int numFullAttentionLayers() {
        return (int) layerTypes.stream().filter(t -> t == LayerType.FULL_ATTENTION).count();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Qwen3NextConfig c && toString().equals(c.toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "Qwen3NextConfig[vocab=" + vocabSize + ", hidden=" + hiddenSize + ", layers=" + numHiddenLayers
                + ", heads=" + numAttentionHeads + "/" + numKeyValueHeads + "x" + headDim
                + ", linear=" + linearNumKeyHeads + "/" + linearNumValueHeads + "x" + linearKeyHeadDim + "/" + linearValueHeadDim
                + ", experts=" + numExpertsPerTok + "/" + numExperts + "x" + moeIntermediateSize
                + ", shared=" + sharedExpertIntermediateSize + ", intermediate=" + intermediateSize
                + ", types=" + layerTypes + ", mlpOnly=" + mlpOnlyLayers + ", sparseStep=" + decoderSparseStep
                + ", theta=" + ropeTheta + ", rotary=" + partialRotaryFactor + ", scaling=" + ropeScaling
                + ", eps=" + rmsNormEps + ", tie=" + tieWordEmbeddings + ", normTopk=" + normTopkProb
                + ", conv=" + linearConvKernelDim + ", maxPos=" + maxPositionEmbeddings
                + ", bos=" + bosTokenId + ", eos=" + eosTokenIds
                + ", fp8=" + (fp8BlockSize == null ? "none" : fp8BlockSize[0] + "x" + fp8BlockSize[1]) + "]";
    }
}
