package dev.nextinfer.core;

/** Why a generation ended. */
public enum FinishReason {
    /** An end-of-sequence token, a stop token id or a stop string was produced. */
    STOP,
    /** {@link GenerationConfig#maxTokens()} tokens were generated. */
    LENGTH,
    /** {@link Session#cancel()} (or closing a {@link TextStream}) stopped it. */
    CANCELLED;

    /** The lower-case name used by the CLI and the OpenAI-compatible server: {@code stop}, {@code length}, {@code cancelled}. */
    public String wireName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
