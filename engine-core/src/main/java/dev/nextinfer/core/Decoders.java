package dev.nextinfer.core;

import dev.nextinfer.core.spec.MtpDecoder;

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
     * The decoder for {@code cfg} on {@code model}: plain decoding, or speculative decoding with the MTP head when
     * {@link GenerationConfig#mtpDraftTokens()} &gt; 0.
     *
     * @throws NextInferException when MTP is asked for but the checkpoint has no MTP head
     */
    public static Decoder forConfig(Qwen3Next model, GenerationConfig cfg) {
        if (cfg.mtpDraftTokens() == 0) {
            return PLAIN;
        }
        if (!model.hasMtp()) {
            throw new NextInferException("MTP speculative decoding needs the checkpoint's MTP head: " + model.mtpNote());
        }
        // penalties and min-p change the distribution per position in ways the speculative path does not model:
        // plain decoding keeps them exact (documented in GenerationConfig and docs/api.md)
        return MtpDecoder.supports(cfg) ? new MtpDecoder(cfg.mtpDraftTokens()) : PLAIN;
    }
}
