package dev.nextinfer.core.decode;

import dev.nextinfer.core.GenerationConfig;

/** The decoding strategies, and the choice between them for a {@link GenerationConfig}. */
public final class Decoders {
    private static final Decoder PLAIN = new Decoder() {
        @Override
        public void decode(DecodeContext ctx) {
            float[] logits = ctx.promptLogits();
            while (ctx.emit(ctx.sample(logits))) {
                logits = ctx.forward(ctx.lastToken());
            }
        }

        @Override
        public String toString() {
            return "plain";
        }
    };

    private Decoders() {
    }

    /** One forward step per token: sample, emit, feed it back. */
    public static Decoder plain() {
        return PLAIN;
    }

    /**
     * The decoder for {@code cfg}: plain decoding, or speculative decoding with the MTP head when
     * {@link GenerationConfig#mtpDraftTokens()} &gt; 0 (the caller checks that the checkpoint has the head) and the
     * speculative path reproduces the config's distribution ({@link MtpDecoder#supports}). A new one per generation.
     */
    public static Decoder forConfig(GenerationConfig cfg) {
        if (cfg.mtpDraftTokens() == 0) {
            return PLAIN;
        }
        // penalties and min-p change the distribution per position in ways the speculative path does not model:
        // plain decoding keeps them exact (documented in GenerationConfig and docs/api.md)
        return MtpDecoder.supports(cfg) ? new MtpDecoder(cfg.mtpDraftTokens()) : PLAIN;
    }
}
