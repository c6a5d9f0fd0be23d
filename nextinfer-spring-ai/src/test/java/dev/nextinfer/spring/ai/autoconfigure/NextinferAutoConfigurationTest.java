package dev.nextinfer.spring.ai.autoconfigure;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import dev.nextinfer.spring.ai.NextinferChatModel;
import dev.nextinfer.spring.ai.NextinferChatOptions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configuration: one property gives an injectable ChatModel on the loaded checkpoint. */
class NextinferAutoConfigurationTest {
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(ToolCallingAutoConfiguration.class, NextinferAutoConfiguration.class));

    private static String path() {
        return "nextinfer.model.path=" + TextModels.small();
    }

    @Test
    void onePropertyGivesAChatModel() {
        runner.withPropertyValues(path(), "nextinfer.model.threads=2", "nextinfer.model.weights=bf16",
                        "nextinfer.model.context-length=4096", "nextinfer.chat.options.temperature=0.1",
                        "nextinfer.chat.options.max-tokens=5", "nextinfer.chat.options.seed=3", "nextinfer.chat.options.stop=###,@@")
                .run(context -> {
                    assertThat(context).hasSingleBean(Qwen3Next.class).hasSingleBean(ChatModel.class);
                    assertThat(context.getBean(Qwen3Next.class).contextLength()).isEqualTo(4096);
                    NextinferChatModel model = context.getBean(NextinferChatModel.class);
                    NextinferChatOptions o = model.getOptions();
                    assertThat(o.getTemperature()).isEqualTo(0.1);
                    assertThat(o.getMaxTokens()).isEqualTo(5);
                    assertThat(o.getSeed()).isEqualTo(3L);
                    assertThat(o.getStopSequences()).isEqualTo(List.of("###", "@@"));
                    assertThat(o.getTopK()).isEqualTo(20); // the checkpoint's default, untouched
                    var r = context.getBean(ChatModel.class).call(new Prompt("Hello"));
                    assertThat(r.getMetadata().getUsage().getCompletionTokens()).isBetween(1, 5);
                    assertThat(context).hasSingleBean(ToolCallingManager.class);
                });
    }

    @Test
    void withoutAPathNothingIsConfigured() {
        runner.run(context -> assertThat(context).doesNotHaveBean(Qwen3Next.class).doesNotHaveBean(ChatModel.class));
    }

    @Test
    void anotherProviderOrDisabledLeavesTheChatModelOut() {
        runner.withPropertyValues(path(), "spring.ai.model.chat=openai")
                .run(context -> assertThat(context).hasSingleBean(Qwen3Next.class).doesNotHaveBean(ChatModel.class));
        runner.withPropertyValues(path(), "nextinfer.chat.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean(ChatModel.class));
    }

    @Test
    void anUnknownWeightFormatFailsStartupNamingTheProperty() {
        runner.withPropertyValues(path(), "nextinfer.model.weights=q3_k").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .hasMessageStartingWith("nextinfer.model.weights: unknown format 'q3_k' (expected one of f32, bf16");
        });
    }
}
