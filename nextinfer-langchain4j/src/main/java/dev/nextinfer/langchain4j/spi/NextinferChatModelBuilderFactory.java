package dev.nextinfer.langchain4j.spi;

import dev.nextinfer.langchain4j.NextinferChatModel;
import java.util.function.Supplier;

/**
 * Supplies the builder that {@link NextinferChatModel#builder()} returns, for frameworks that pre-configure models
 * (LangChain4j's SPI convention): register an implementation under
 * {@code META-INF/services/dev.nextinfer.langchain4j.spi.NextinferChatModelBuilderFactory}.
 */
public interface NextinferChatModelBuilderFactory extends Supplier<NextinferChatModel.NextinferChatModelBuilder> {
}
