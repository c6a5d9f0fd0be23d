package dev.nextinfer.langchain4j.spi;

import dev.nextinfer.langchain4j.NextinferStreamingChatModel;
import java.util.function.Supplier;

/**
 * Supplies the builder that {@link NextinferStreamingChatModel#builder()} returns, for frameworks that
 * pre-configure models (LangChain4j's SPI convention): register an implementation under
 * {@code META-INF/services/dev.nextinfer.langchain4j.spi.NextinferStreamingChatModelBuilderFactory}.
 */
public interface NextinferStreamingChatModelBuilderFactory
        extends Supplier<NextinferStreamingChatModel.NextinferStreamingChatModelBuilder> {
}
