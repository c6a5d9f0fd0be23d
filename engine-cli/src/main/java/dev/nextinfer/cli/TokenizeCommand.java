package dev.nextinfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenize}: text to token ids with the model's tokenizer (a folder's tokenizer files or a GGUF file's metadata). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {"Prints {\"ids\":[…]}: the token ids of the text, as Hugging Face's tokenizer gives them",
                "(added and special tokens written in the text, e.g. <|im_start|>, are recognized; no BOS/EOS is added).",
                "With --jsonl: one {\"text\":…} object per input line, one {\"ids\":[…]} per output line, in the same order.",
                "Files are read as UTF-8 (invalid bytes become U+FFFD); lone surrogates become U+FFFD."})
final class TokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "A model folder (tokenizer.json, tokenizer_config.json) or a .gguf file.")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    /** Exactly one input. */
    static final class Input {
        @Option(names = "--text", paramLabel = "T", description = "The text.")
        String text;

        @Option(names = "--file", paramLabel = "F", description = "A UTF-8 file: its whole content is the text.")
        Path file;

        @Option(names = "--jsonl", paramLabel = "F", description = "A file of {\"text\":…} lines.")
        Path jsonl;
    }

    @Override
    public Integer call() {
        Tokenizer tok = ModelFiles.tokenizerOf(model);
        PrintWriter out = spec.commandLine().getOut();
        if (input.jsonl != null) {
            String all = TokenizerFiles.readText("--jsonl", input.jsonl);
            String[] lines = all.split("\r?\n", -1);
            int n = all.isEmpty() ? 0 : all.endsWith("\n") ? lines.length - 1 : lines.length;
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < n; i++) {
                sb.append(Ids.json(tok.encode(textOf(lines[i], i + 1)))).append('\n');
            }
            out.print(sb);
        } else {
            String text = input.text != null ? input.text : TokenizerFiles.readText("--file", input.file);
            out.println(Ids.json(tok.encode(text)));
        }
        out.flush();
        return 0;
    }

    private String textOf(String line, int number) {
        String where = "--jsonl " + input.jsonl + " line " + number;
        JsonNode node;
        try {
            node = TokenizerFiles.JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new CliException(where + ": not valid JSON: " + TokenizerFiles.firstLine(e.getOriginalMessage()));
        }
        if (node == null || !node.isObject() || !node.path("text").isTextual()) {
            throw new CliException(where + ": expected an object with a \"text\" string");
        }
        return node.get("text").asText();
    }
}
