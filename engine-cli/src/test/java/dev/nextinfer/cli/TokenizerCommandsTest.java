package dev.nextinfer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.tokenizer.Tokenizer;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenize, detokenize and template through {@link Main#run}, on a folder holding the bundled Qwen3 files. */
class TokenizerCommandsTest {
    @TempDir
    static Path dir;
    static Path model;

    record Result(int code, String out, String err) {
    }

    @BeforeAll
    static void copyBundledTokenizer() throws Exception {
        model = Files.createDirectories(dir.resolve("qwen3"));
        for (String f : new String[] {"tokenizer.json", "tokenizer_config.json"}) {
            try (InputStream in = Tokenizer.class.getResourceAsStream("qwen3/" + f)) {
                Files.copy(in, model.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    static Path file(String name, String content) throws Exception {
        return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
    }

    static void assertOneLineError(Result r, String part) {
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().startsWith("nextinfer: error: "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(part), () -> "'" + part + "' not in " + r.err());
        assertEquals("", r.out());
    }

    // ---- tokenize

    @Test
    void tokenizeText() {
        Result r = run("tokenize", "--model", model.toString(), "--text", "Hello, world!");
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"ids\":[9707,11,1879,0]}\n", r.out());
    }

    @Test
    void tokenizeFileAndSpecialTokens() throws Exception {
        Path f = file("in.txt", "<|im_start|>user\nhi<|im_end|>");
        Result r = run("tokenize", "--model", model.toString(), "--file", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"ids\":[151644,872,198,6023,151645]}\n", r.out());
    }

    @Test
    void tokenizeJsonlKeepsOrder() throws Exception {
        Path f = file("in.jsonl", "{\"text\":\"Hello, world!\"}\n{\"text\":\"\"}\n{\"text\":\"中\",\"extra\":1}\n");
        Result r = run("tokenize", "--model", model.toString(), "--jsonl", f.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("{\"ids\":[9707,11,1879,0]}\n{\"ids\":[]}\n{\"ids\":[15946]}\n", r.out());
    }

    @Test
    void tokenizeJsonlBadLine() throws Exception {
        Path f = file("bad.jsonl", "{\"text\":\"ok\"}\n{\"txt\":\"no\"}\n");
        assertOneLineError(run("tokenize", "--model", model.toString(), "--jsonl", f.toString()),
                "line 2: expected an object with a \"text\" string");
        Path g = file("bad2.jsonl", "not json\n");
        assertOneLineError(run("tokenize", "--model", model.toString(), "--jsonl", g.toString()), "line 1: not valid JSON");
    }

    @Test
    void tokenizeUsageAndModelErrors() throws Exception {
        assertEquals(2, run("tokenize", "--model", model.toString()).code());
        assertEquals(2, run("tokenize", "--model", model.toString(), "--text", "a", "--file", "b").code());
        assertOneLineError(run("tokenize", "--model", dir.resolve("missing").toString(), "--text", "x"), "no such file or folder");
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("tokenizer.json"), "{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}");
        assertOneLineError(run("tokenize", "--model", broken.toString(), "--text", "x"), "$.model.type: unsupported model type");
        assertOneLineError(run("tokenize", "--model", model.toString(), "--file", dir.resolve("nope.txt").toString()),
                "no such file");
    }

    // ---- detokenize

    @Test
    void detokenizePlainJsonAndSkipSpecial() {
        Result r = run("detokenize", "--model", model.toString(), "--ids", "151644,9707,11,1879,0,151645");
        assertEquals(0, r.code(), r.err());
        assertEquals("<|im_start|>Hello, world!<|im_end|>", r.out());
        r = run("detokenize", "--model", model.toString(), "--ids", "151644,9707,11,1879,0,151645", "--skip-special", "--json");
        assertEquals("{\"text\":\"Hello, world!\"}\n", r.out());
        r = run("detokenize", "--model", model.toString(), "--ids", "127,198,151700", "--json");
        assertEquals("{\"text\":\"\uFFFD\\n\"}\n", r.out(), "lone lead byte, newline, unknown id dropped");
    }

    @Test
    void detokenizeBadIds() {
        assertOneLineError(run("detokenize", "--model", model.toString(), "--ids", "1,x"), "'x' is not an integer token id");
        assertOneLineError(run("detokenize", "--model", model.toString(), "--ids", "-3"), "negative");
    }

    // ---- template

    static final String MESSAGES = "[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi!\"}]";

    @Test
    void templateWithGenerationPromptAndThinkingSwitch() throws Exception {
        Path m = file("m.json", MESSAGES);
        Result r = run("template", "--model", model.toString(), "--messages", m.toString(), "--add-generation-prompt");
        assertEquals(0, r.code(), r.err());
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(expected, r.out());
        r = run("template", "--model", model.toString(), "--messages", m.toString(), "--add-generation-prompt",
                "--enable-thinking", "false");
        assertEquals(expected + "<think>\n\n</think>\n\n", r.out());
        r = run("template", "--model", model.toString(), "--messages", m.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        var node = TokenizerFiles.JSON.readTree(r.out());
        String text = node.get("text").asText();
        assertEquals("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi!<|im_end|>\n", text);
        int[] ids = new int[node.get("ids").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = node.get("ids").get(i).asInt();
        }
        assertEquals(Arrays.toString(Tokenizer.qwen3().encode(text)), Arrays.toString(ids));
        assertTrue(r.out().startsWith("{\"text\":"), "text first, then ids");
    }

    @Test
    void templateWithToolsAndAnotherTemplate() throws Exception {
        Path m = file("m2.json", "{\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");
        Path t = file("tools.json", "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{}}}]");
        Path tpl = file("thinking.jinja", "{%- for m in messages %}{{ m.role }}:{{ m.content }}|{% endfor %}"
                + "{{ tools|length }}{{ eos_token }}{% if add_generation_prompt %}<think>\n{% endif %}");
        Result r = run("template", "--model", model.toString(), "--messages", m.toString(), "--tools", t.toString(),
                "--chat-template", tpl.toString(), "--add-generation-prompt");
        assertEquals(0, r.code(), r.err());
        assertEquals("user:Weather?|1<|im_end|><think>\n", r.out());
        r = run("template", "--model", model.toString(), "--messages", m.toString(), "--tools", t.toString());
        assertTrue(r.out().contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"parameters\": {}}}\n</tools>"),
                r.out());
    }

    @Test
    void templateErrors() throws Exception {
        Path m = file("m3.json", MESSAGES);
        Path raising = file("raise.jinja", "{{ raise_exception('only user messages') }}");
        assertOneLineError(run("template", "--model", model.toString(), "--messages", m.toString(), "--chat-template",
                raising.toString()), "raise_exception: only user messages");
        Path badSyntax = file("bad.jinja", "{% for x in %}");
        assertOneLineError(run("template", "--model", model.toString(), "--messages", m.toString(), "--chat-template",
                badSyntax.toString()), "chat template line 1");
        Path notJson = file("m4.json", "[{\"role\": ");
        assertOneLineError(run("template", "--model", model.toString(), "--messages", notJson.toString()), "not valid JSON");
        Path notList = file("m5.json", "{\"role\": \"user\"}");
        assertOneLineError(run("template", "--model", model.toString(), "--messages", notList.toString()),
                "expected a JSON array of objects");
        assertEquals(2, run("template", "--model", model.toString(), "--messages", m.toString(), "--enable-thinking", "maybe").code());
        Path bare = Files.createDirectories(dir.resolve("bare"));
        Files.copy(model.resolve("tokenizer.json"), bare.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        assertOneLineError(run("template", "--model", bare.toString(), "--messages", m.toString()),
                "has no chat_template; pass --chat-template FILE");
    }
}
