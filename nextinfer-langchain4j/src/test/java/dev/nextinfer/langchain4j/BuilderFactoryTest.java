package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ToolChoice;
import dev.nextinfer.langchain4j.spi.NextinferChatModelBuilderFactory;
import dev.nextinfer.langchain4j.spi.NextinferStreamingChatModelBuilderFactory;
import org.junit.jupiter.api.Test;

/** LangChain4j's SPI convention: a registered builder factory supplies {@code builder()}'s builder. */
class BuilderFactoryTest {

    /** A builder a framework would pre-configure. */
    public static class FromFactory extends NextinferChatModel.NextinferChatModelBuilder {
    }

    /** A streaming builder a framework would pre-configure. */
    public static class StreamingFromFactory extends NextinferStreamingChatModel.NextinferStreamingChatModelBuilder {
    }

    /** Registered in src/test/resources/META-INF/services. */
    public static class Factory implements NextinferChatModelBuilderFactory {
        @Override
        public NextinferChatModel.NextinferChatModelBuilder get() {
            return new FromFactory();
        }
    }

    /** Registered in src/test/resources/META-INF/services. */
    public static class StreamingFactory implements NextinferStreamingChatModelBuilderFactory {
        @Override
        public NextinferStreamingChatModel.NextinferStreamingChatModelBuilder get() {
            return new StreamingFromFactory();
        }
    }

    @Test
    void registeredFactoriesSupplyTheBuilders() {
        assertInstanceOf(FromFactory.class, NextinferChatModel.builder());
        assertInstanceOf(StreamingFromFactory.class, NextinferStreamingChatModel.builder());
    }

    @Test
    void theStreamingModelRefusesABadRequestAtOnce() {
        NextinferStreamingChatModel model = NextinferStreamingChatModel.builder().runner(new ScriptedRunner("ok")).build();
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("Hi"))
                .parameters(ChatRequestParameters.builder().toolChoice(ToolChoice.REQUIRED).build()).build();
        assertThrows(UnsupportedFeatureException.class, () -> model.chat(request, new RecordingHandler()));
    }
}
