package dev.nextinfer.spring.ai.autoconfigure;

import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.weights.WeightFormat;
import dev.nextinfer.spring.ai.NextinferChatModel;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Spring Boot auto-configuration: with {@code nextinfer.model.path} set, a {@link Qwen3Next} bean (the loaded
 * checkpoint, closed with the context) and a {@link NextinferChatModel} bean (Spring AI's {@code ChatModel}), which
 * resolves tools with the context's {@link ToolCallingManager} and reports to its {@link ObservationRegistry}.
 * Either bean can be replaced by one of your own. {@code spring.ai.model.chat} set to another provider, or
 * {@code nextinfer.chat.enabled=false}, leaves the chat model out.
 */
@AutoConfiguration(afterName = "org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration")
@ConditionalOnClass({Qwen3Next.class, ChatModel.class})
@EnableConfigurationProperties(NextinferProperties.class)
public class NextinferAutoConfiguration {
    /** The value of {@code spring.ai.model.chat} that selects this provider (also the default). */
    public static final String PROVIDER = "nextinfer";

    /** Created by Spring Boot. */
    public NextinferAutoConfiguration() {
    }

    /** The checkpoint of {@code nextinfer.model.path}, loaded once and shared. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = NextinferProperties.PREFIX + ".model", name = "path")
    public Qwen3Next nextinferModel(NextinferProperties properties) {
        NextinferProperties.Model m = properties.getModel();
        Path path = Objects.requireNonNull(m.getPath(), "nextinfer.model.path");
        return Qwen3Next.load(path, LoadOptions.builder().weights(weights(m.getWeights())).threads(m.getThreads())
                .contextLength(m.getContextLength()).build());
    }

    /** Spring AI's chat model on that checkpoint. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(Qwen3Next.class)
    @ConditionalOnProperty(prefix = NextinferProperties.PREFIX + ".chat", name = "enabled", havingValue = "true", matchIfMissing = true)
    @ConditionalOnProperty(name = "spring.ai.model.chat", havingValue = PROVIDER, matchIfMissing = true)
    public NextinferChatModel nextinferChatModel(Qwen3Next model, NextinferProperties properties,
                                                 ObjectProvider<ToolCallingManager> toolCallingManager,
                                                 ObjectProvider<ObservationRegistry> observationRegistry,
                                                 ObjectProvider<ChatModelObservationConvention> observationConvention) {
        NextinferProperties.Chat chat = properties.getChat();
        NextinferChatModel chatModel = NextinferChatModel.builder()
                .model(model)
                .defaultOptions(chat.getOptions().toChatOptions(properties.getModel().getName()))
                .toolCallingManager(toolCallingManager.getIfUnique(() -> ToolCallingManager.builder().build()))
                .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP))
                .maxCachedSessions(chat.getMaxCachedSessions())
                .build();
        observationConvention.ifAvailable(chatModel::setObservationConvention);
        return chatModel;
    }

    static @Nullable WeightFormat weights(@Nullable String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        WeightFormat f = WeightFormat.parse(name.strip());
        if (f == null) {
            throw new IllegalArgumentException("nextinfer.model.weights: unknown format '" + name + "' (expected one of "
                    + Arrays.stream(WeightFormat.values()).map(WeightFormat::cliName).collect(Collectors.joining(", ")) + ")");
        }
        return f;
    }
}
