package dev.nextinfer.cli;

import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code detokenize}: token ids to text. */
@Command(name = "detokenize", mixinStandardHelpOptions = true,
        description = {"Prints the text of the token ids exactly (no newline is added), or {\"text\":…} with --json.",
                "Ids the tokenizer does not know are dropped; invalid UTF-8 becomes U+FFFD, as in Hugging Face's decode."})
final class DetokenizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "A model folder (tokenizer.json, tokenizer_config.json) or a .gguf file.")
    Path model;

    @Option(names = "--ids", required = true, paramLabel = "CSV", description = "Token ids, e.g. 1,2,3.")
    String ids;

    @Option(names = "--skip-special", description = "Leave out special tokens such as <|im_end|> (default: keep them).")
    boolean skipSpecial;

    @Option(names = "--json", description = "Print {\"text\":…} on one line (default: the plain text).")
    boolean json;

    @Override
    public Integer call() {
        int[] parsed = Ids.parse("--ids", ids);
        Tokenizer tok = ModelFiles.tokenizerOf(model);
        String text = tok.decode(parsed, skipSpecial);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println("{\"text\":" + TokenizerFiles.quote(text) + "}");
        } else {
            out.print(text);
        }
        out.flush();
        return 0;
    }
}
