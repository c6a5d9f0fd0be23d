package dev.nextinfer.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.nextinfer.core.Usage;
import java.util.Objects;

/**
 * LangChain4j's response metadata plus the engine's own figures for the turn: prompt tokens reused from earlier
 * requests (prefix cache), prefill and decode times, tokens per second, speculative-decoding acceptance.
 */
public class NextinferChatResponseMetadata extends ChatResponseMetadata {
    private final Usage usage;

    /** From a builder. */
    protected NextinferChatResponseMetadata(Builder builder) {
        super(builder);
        this.usage = builder.usage;
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The engine's token counts and timings (null when not known). */
    public Usage usage() {
        return usage;
    }

    @Override
    public Builder toBuilder() {
        return ((Builder) toBuilder(builder())).usage(usage);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NextinferChatResponseMetadata that && super.equals(o) && Objects.equals(usage, that.usage);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), usage);
    }

    @Override
    public String toString() {
        return "NextinferChatResponseMetadata{modelName=" + modelName() + ", tokenUsage=" + tokenUsage()
                + ", finishReason=" + finishReason() + ", usage=" + usage + "}";
    }

    /** Builder of {@link NextinferChatResponseMetadata}. */
    public static class Builder extends ChatResponseMetadata.Builder<Builder> {
        private Usage usage;

        /** A builder with nothing set. */
        public Builder() {
        }

        /** The engine's token counts and timings. */
        public Builder usage(Usage usage) {
            this.usage = usage;
            return this;
        }

        @Override
        public NextinferChatResponseMetadata build() {
            return new NextinferChatResponseMetadata(this);
        }
    }
}
