package example;

import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import java.nio.file.Path;

/**
 * Loads a checkpoint and streams one chat answer to stdout.
 * Run: {@code java --add-modules jdk.incubator.vector -cp … example.PlainJava /models/Qwen3-Next-80B-A3B-Instruct "Hello"}
 */
public final class PlainJava {
    private PlainJava() {
    }

    /** {@code args[0]}: the checkpoint folder; {@code args[1]} (optional): the question. */
    public static void main(String[] args) {
        String question = args.length > 1 ? args[1] : "Explain the delta rule in one sentence.";
        try (Qwen3Next model = Qwen3Next.load(Path.of(args[0]), LoadOptions.defaults())) {
            Chat chat = model.newChat(ChatOptions.builder().system("You are concise.").build());
            GenerationConfig config = model.generationDefaults().toBuilder().maxTokens(64).seed(42L).build();
            ChatResponse reply = chat.send(question, config, piece -> System.out.print(piece.text()));
            System.out.printf("%n[%s, %d tokens, %.1f tokens/s]%n", reply.finishReason(),
                    reply.usage().completionTokens(), reply.usage().tokensPerSecond());
        }
    }
}
