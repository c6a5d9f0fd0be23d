package dev.nextinfer.cli;

import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.GenerationResult;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code generate}: one completion (or, with {@code --chat}, one chat answer) streamed to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generates from --prompt and streams the text to stdout; statistics (tokens, tokens/s, finish "
                + "reason) go to stderr. With --chat the prompt is a user message rendered by the checkpoint's chat "
                + "template; a thinking model's reasoning then goes to stderr, so stdout holds only the answer.")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt (special tokens such as <|im_start|> are recognised).")
    String prompt;

    @Option(names = "--chat", description = "Send --prompt as a user message through the chat template (default: raw completion).")
    boolean chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message, with --chat (default: none).")
    String system;

    @Option(names = "--no-think", description = "With --chat: set the template's enable_thinking to false (Qwen3 templates; default: the template's default).")
    boolean noThink;

    @Mixin
    GenerationOptions generation;

    @Override
    public Integer call() {
        generation.validate();
        if (!chat && (system != null || noThink)) {
            throw new CliException("--system and --no-think need --chat");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Qwen3Next model = generation.load(modelOptions)) {
            ModelOptions.note(model, err);
            GenerationConfig cfg = generation.config(model);
            if (chat) {
                Chat c = model.newChat(ChatOptions.builder().system(system).enableThinking(noThink ? false : null).build());
                ChatResponse r = c.send(prompt, cfg, new GenerationListener() {
                    @Override
                    public void onText(TextPiece piece) {
                        PrintWriter w = piece.isReasoning() ? err : out;
                        w.print(piece.text());
                        w.flush();
                    }

                    @Override
                    public void onToolCall(ToolCall call) {
                        out.println();
                        out.println("<tool_call>{\"name\": " + TokenizerFiles.quote(call.name()) + ", \"arguments\": " + call.arguments() + "}</tool_call>");
                        out.flush();
                    }
                });
                out.println();
                out.flush();
                err.println(TerminalText.stats(r.usage(), r.finishReason()));
            } else {
                GenerationResult r = model.newSession().generate(prompt, cfg, piece -> {
                    out.print(piece.text());
                    out.flush();
                });
                out.println();
                out.flush();
                err.println(TerminalText.stats(r.usage(), r.finishReason()));
            }
            err.flush();
        }
        return 0;
    }
}
