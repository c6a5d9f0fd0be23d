package dev.nextinfer.tools.bench;

/**
 * What {@link BenchRunner} measured.
 *
 * @param promptTokens tokens prefilled
 * @param genTokens    tokens decoded
 * @param depth        positions already in the state before the prompt
 * @param threads      worker threads
 * @param weights      compute format of the matrices
 * @param prefillTokS  prefill tokens per second
 * @param decodeTokS   decode tokens per second
 * @param loadSeconds  time to load the model
 * @param weightBytes  bytes of matrices in their compute format
 * @param stateBytes   bytes of the sequence state at the end
 * @param rssBytes     resident set size of the process at the end (0 if unknown)
 * @param peakRssBytes peak resident set size (0 if unknown)
 * @param mtp          draft tokens per speculative round (0 = plain decoding only)
 * @param mtpDecodeTokS decode tokens per second with speculative decoding (0 without)
 * @param acceptanceRate drafted tokens accepted / drafted
 * @param tokensPerPass  tokens produced per verification pass
 * @param kvCache        KV cache format
 * @param kvBytes        bytes of KV cache pages of the sequence at the end of plain decoding
 * @param estimateBytes  the admission estimate for the run's positions (weights + KV + DeltaNet state + scratch)
 * @param memoryLimit    the memory limit admission checks against
 * @param batch          sequences decoded together in the batched run (1: none, the single-stream run only)
 * @param aggregateDecodeTokS decode tokens per second of all {@code batch} sequences together ({@code decodeTokS}
 *                       when {@code batch} is 1)
 * @param decodeBytesPerToken bytes a plain decode step reads per token at the run's end: the matrices with the routed
 *                       experts' share ({@code ModelWeights.decodeMatrixBytes}), the sequence state (KV cache and
 *                       DeltaNet state) read, and the DeltaNet state written back
 */
public record BenchResult(int promptTokens, int genTokens, int depth, int threads, String weights,
                          double prefillTokS, double decodeTokS, double loadSeconds,
                          long weightBytes, long stateBytes, long rssBytes, long peakRssBytes,
                          int mtp, double mtpDecodeTokS, double acceptanceRate, double tokensPerPass,
                          String kvCache, long kvBytes, long estimateBytes, long memoryLimit,
                          int batch, double aggregateDecodeTokS, double decodeBytesPerToken) {

    /** Decode tokens per second of each sequence of the batched run: the aggregate over the batch width. */
    public double perSequenceDecodeTokS() {
        return aggregateDecodeTokS / batch;
    }

    /** Aggregate batched decode speed over the single-stream decode speed. */
    public double batchSpeedup() {
        return aggregateDecodeTokS / decodeTokS;
    }

    /** Speculative decode speed over plain decode speed (0 without MTP). */
    public double mtpSpeedup() {
        return mtp == 0 ? 0 : mtpDecodeTokS / decodeTokS;
    }

    /** Bytes per second plain decoding moved by {@link #decodeBytesPerToken}'s count. */
    public double decodeBytesPerSecond() {
        return decodeBytesPerToken * decodeTokS;
    }

    /** Bytes per second of KV cache plain decoding read: every cached position once per token. */
    public double kvReadBytesPerSecond() {
        return (double) kvBytes * decodeTokS;
    }
}
