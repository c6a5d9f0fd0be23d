package dev.nextinfer.cli;

import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.NextInferException;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code chat}: an interactive conversation on stdin/stdout with streaming answers. */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Interactive chat: type a message, the answer streams back (reasoning of thinking models inside "
                + "<think>…</think>). Commands: /reset starts over, /exit (or end of input) quits. Ctrl-C during an "
                + "answer stops the answer; Ctrl-C at the prompt quits. Each turn reuses the state of the conversation "
                + "so far. Statistics go to stderr.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--system", paramLabel = "TEXT", description = "System message (default: none).")
    String system;

    @Option(names = "--no-think", description = "Set the template's enable_thinking to false (Qwen3 templates; default: the template's default).")
    boolean noThink;

    @Mixin
    GenerationOptions generation;

    @Override
    public Integer call() throws IOException {
        generation.validate();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try (Qwen3Next model = generation.load(modelOptions)) {
            ModelOptions.note(model, err);
            GenerationConfig cfg = generation.config(model);
            Chat chat = model.newChat(ChatOptions.builder().system(system).enableThinking(noThink ? false : null).build());
            AtomicBoolean answering = new AtomicBoolean();
            boolean interactive = main.stdin == System.in;
            if (interactive) {
                Interrupts.onInterrupt(() -> {
                    if (answering.get()) {
                        chat.cancel();
                    } else {
                        out.println();
                        out.flush();
                        System.exit(130);
                    }
                });
            }
            out.println("Chatting with " + model.dir().getFileName() + " (context " + model.contextLength()
                    + " tokens). /reset starts over, /exit quits" + (interactive ? ", Ctrl-C stops an answer." : "."));
            BufferedReader in = new BufferedReader(new InputStreamReader(main.stdin, StandardCharsets.UTF_8));
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null) {
                    out.println();
                    break;
                }
                String cmd = line.strip();
                if (cmd.isEmpty()) {
                    continue;
                }
                if (cmd.equals("/exit") || cmd.equals("/quit")) {
                    break;
                }
                if (cmd.equals("/reset")) {
                    chat.reset();
                    out.println("(conversation cleared)");
                    continue;
                }
                if (cmd.equals("/help")) {
                    out.println("/reset  start a new conversation\n/exit   quit");
                    continue;
                }
                if (cmd.startsWith("/") && !cmd.contains(" ")) {
                    out.println("(unknown command " + cmd + "; /help lists them)");
                    continue;
                }
                answering.set(true);
                try {
                    ChatResponse r = chat.send(line, cfg, new Printer(out));
                    out.println();
                    if (r.finishReason() == FinishReason.CANCELLED) {
                        out.println("(stopped)");
                    }
                    out.flush();
                    err.println(TerminalText.stats(r.usage(), r.finishReason()));
                    err.flush();
                } catch (NextInferException e) {
                    out.println();
                    out.flush();
                    err.println("nextinfer: error: " + Main.oneLine(e.getMessage()));
                    err.flush();
                } finally {
                    answering.set(false);
                }
            }
            out.flush();
        }
        return 0;
    }

    /** Streams an answer: reasoning inside {@code <think>…</think>}, tool calls as JSON, all made terminal-safe. */
    static final class Printer implements GenerationListener {
        private final PrintWriter out;
        private boolean inThinking;

        Printer(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void onText(TextPiece piece) {
            if (piece.isReasoning() && !inThinking) {
                out.print("<think>\n");
                inThinking = true;
            } else if (!piece.isReasoning() && inThinking) {
                out.print("\n</think>\n\n");
                inThinking = false;
            }
            out.print(TerminalText.printable(piece.text()));
            out.flush();
        }

        @Override
        public void onToolCall(ToolCall call) {
            if (inThinking) {
                out.print("\n</think>\n\n");
                inThinking = false;
            }
            out.print(TerminalText.printable("\n<tool_call>{\"name\": " + TokenizerFiles.quote(call.name())
                    + ", \"arguments\": " + call.arguments() + "}</tool_call>"));
            out.flush();
        }
    }
}
