package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatOptions;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.LoadOptions;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.testing.TextModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** generate and chat through the command line on a small random-weight checkpoint with the real tokenizer. */
class GenerationCommandsTest {
    private static final String MODEL = TextModels.small().toString();

    @Test
    void generateStreamsTheLibrarysTextAndPrintsStatistics() {
        CliRunner r = CliRunner.run("generate", "--model", MODEL, "--prompt", "Once upon a time", "--max-tokens", "12",
                "--temperature", "0", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        String want;
        try (Qwen3Next q = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            want = q.newSession().generate("Once upon a time", GenerationConfig.builder().maxTokens(12).build()).text();
        }
        assertEquals(want + "\n", r.out());
        assertTrue(r.err().matches("(?s).*prompt 4 tokens \\(0 cached\\) [\\d.]+ tok/s \\| generated 12 tokens [\\d.]+ tok/s \\| finish: length\\n"), r.err());
    }

    @Test
    void sameSeedSameOutputAndStopStrings() {
        String[] args = {"generate", "--model", MODEL, "--prompt", "Hello", "--max-tokens", "10", "--temperature", "1", "--seed", "5"};
        CliRunner a = CliRunner.run(args);
        CliRunner b = CliRunner.run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out(), b.out());
        String text = a.out().substring(0, a.out().length() - 1);
        assertTrue(text.length() > 4, text);
        String stop = text.substring(2, 4);
        CliRunner c = CliRunner.run("generate", "--model", MODEL, "--prompt", "Hello", "--max-tokens", "10", "--temperature", "1",
                "--seed", "5", "--stop", stop);
        assertEquals(text.substring(0, text.indexOf(stop)) + "\n", c.out());
        assertTrue(c.err().contains("finish: stop"), c.err());
    }

    @Test
    void generateChatUsesTheTemplate() {
        CliRunner r = CliRunner.run("generate", "--model", MODEL, "--prompt", "Hi there", "--chat", "--system", "Be brief.",
                "--no-think", "--max-tokens", "8", "--temperature", "0");
        assertEquals(0, r.code(), r.err());
        String want;
        try (Qwen3Next q = Qwen3Next.load(TextModels.small(), LoadOptions.builder().threads(2).build())) {
            Chat chat = q.newChat(ChatOptions.builder().system("Be brief.").enableThinking(false).build());
            want = chat.send("Hi there", GenerationConfig.builder().maxTokens(8).build()).content();
        }
        assertEquals(want + "\n", r.out());
    }

    @Test
    void chatReadsTurnsFromStdinWithResetAndExit() {
        String script = "Hello\n/reset\n\nHello\nAnd then?\n/exit\nnever read\n";
        CliRunner r = CliRunner.runWithInput(script, "chat", "--model", MODEL, "--max-tokens", "6", "--temperature", "0", "--system", "S");
        assertEquals(0, r.code(), r.err());
        // after the banner, what follows each "> " prompt: Hello, /reset, (blank line), Hello, And then?, /exit
        String[] after = r.out().substring(r.out().indexOf('\n') + 1).split("> ", -1);
        assertEquals(7, after.length, r.out());
        assertEquals("(conversation cleared)\n", after[2]);
        assertEquals("", after[3]);
        assertEquals(after[1], after[4], "after /reset the same question gets the same answer");
        assertEquals("", after[6]);
        assertTrue(r.out().contains("(conversation cleared)"));
        assertFalse(r.out().contains("never read"));
        // three answers, each with statistics; the third reused the conversation so far
        List<String> stats = r.err().lines().filter(l -> l.startsWith("prompt ")).toList();
        assertEquals(3, stats.size(), r.err());
        assertTrue(stats.get(1).contains("cached"), stats.get(1));
        assertTrue(!stats.get(2).contains("(0 cached)"), stats.get(2));
        // end of input also ends the chat
        CliRunner eof = CliRunner.runWithInput("Hi\n", "chat", "--model", MODEL, "--max-tokens", "3");
        assertEquals(0, eof.code(), eof.err());
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        for (String cmd : new String[] {"generate", "chat", "serve", "demo"}) {
            CliRunner r = CliRunner.run(cmd, "--help");
            assertEquals(0, r.code(), r.err());
            for (String line : r.out().split("\n")) {
                String l = line.strip();
                if (l.startsWith("--") && !l.startsWith("--help") && !l.startsWith("--version") && !l.startsWith("--model ")
                        && !l.startsWith("--model=") && !l.startsWith("--prompt=") && !l.startsWith("--chat") && !l.startsWith("--no-think")) {
                    assertTrue(l.contains("default") || nextLineHasDefault(r.out(), line), cmd + ": " + l);
                }
            }
        }
        String gen = CliRunner.run("generate", "--help").out();
        for (String flag : new String[] {"--model", "--prompt", "--chat", "--system", "--max-tokens", "--temperature", "--top-k",
                "--top-p", "--min-p", "--repetition-penalty", "--presence-penalty", "--seed", "--stop", "--mtp", "--weights",
                "--threads", "--kv-cache", "--context", "--no-think"}) {
            assertTrue(gen.contains(flag), flag);
        }
        String serve = CliRunner.run("serve", "--help").out();
        for (String flag : new String[] {"--host", "--port", "--model-name", "--parallel", "--max-queue", "--max-body"}) {
            assertTrue(serve.contains(flag), flag);
        }
    }

    private static boolean nextLineHasDefault(String out, String line) {
        String[] lines = out.split("\n");
        for (int i = 0; i < lines.length - 1; i++) {
            if (lines[i].equals(line)) {
                for (int j = i + 1; j < lines.length && !lines[j].strip().startsWith("-"); j++) {
                    if (lines[j].contains("default")) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    @Test
    void badInputIsOneLineAndNonZero() {
        assertOneLineError(CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--top-p", "0"), 1, "--top-p must be in (0, 1], got 0.0");
        assertOneLineError(CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--max-tokens", "0"), 1, "--max-tokens must be ≥ 1, got 0");
        assertOneLineError(CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--mtp", "9"), 1, "--mtp must be in 0…4, got 9");
        assertOneLineError(CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--system", "s"), 1, "--system and --no-think need --chat");
        assertOneLineError(CliRunner.run("generate", "--model", MODEL, "--prompt", "one two three four five six", "--context", "8",
                "--max-tokens", "4"), 1, "prompt (6 tokens) + max tokens (4) = 10 exceeds the context length of 8 tokens");
        assertOneLineError(CliRunner.run("generate", "--model", MODEL), 2, "Missing required option: '--prompt=TEXT'");
        assertOneLineError(CliRunner.run("generate", "--model", MODEL, "--prompt", "x", "--temperature", "hot"), 2, "--temperature");
        assertOneLineError(CliRunner.run("generate", "--model", dev.nextinfer.core.testing.Fixtures.model("tiny-f32").toString(), "--prompt", "x"),
                1, "no tokenizer.json");
        assertOneLineError(CliRunner.run("serve", "--model", MODEL, "--port", "70000"), 1, "--port must be in 0…65535, got 70000");
    }

    private static void assertOneLineError(CliRunner r, int code, String text) {
        assertEquals(code, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("nextinfer: error: "), r.err());
        assertTrue(r.err().contains(text), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
