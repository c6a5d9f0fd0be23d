package dev.nextinfer.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.tokenizer.ChatTemplate;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code template}: renders a conversation with the chat template, as transformers' apply_chat_template. */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Prints the chat prompt rendered from the messages exactly (no newline is added), or",
                "{\"text\":…,\"ids\":[…]} with --json. The template is the chat_template of tokenizer_config.json",
                "(or DIR/chat_template.jinja), or a .gguf file's tokenizer.chat_template, unless --chat-template is given."})
final class TemplateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "MODEL",
            description = "A model folder (tokenizer.json, tokenizer_config.json) or a .gguf file.")
    Path model;

    @Option(names = "--messages", required = true, paramLabel = "F.json",
            description = "The conversation: a JSON array of messages, or an object with \"messages\" (and \"tools\").")
    Path messages;

    @Option(names = "--tools", paramLabel = "F.json",
            description = "Tool schemas: a JSON array, or an object with \"tools\" (default: none).")
    Path tools;

    @Option(names = "--add-generation-prompt", description = "Open an assistant turn at the end (default: no).")
    boolean addGenerationPrompt;

    @Option(names = "--enable-thinking", arity = "1", paramLabel = "true|false",
            description = "Pass enable_thinking to the template (default: not set, the template's own default).")
    Boolean enableThinking;

    @Option(names = "--chat-template", paramLabel = "FILE", description = "A Jinja template file to use instead.")
    Path chatTemplate;

    @Option(names = "--json", description = "Print {\"text\":…,\"ids\":[…]} on one line (default: the plain text).")
    boolean json;

    @Override
    public Integer call() {
        Tokenizer tok = ModelFiles.tokenizerOf(model);
        ChatTemplate template = chatTemplate != null
                ? ChatTemplate.fromFile(chatTemplate).withDefaults(tok.specialTokensMap()) : tok.chatTemplate();
        if (template == null) {
            String where = ModelFiles.isGguf(model) ? "the GGUF metadata has no tokenizer.chat_template"
                    : "tokenizer_config.json has no chat_template";
            throw new CliException("--model " + model + ": " + where + "; pass --chat-template FILE");
        }
        JsonNode m = TokenizerFiles.readJson("--messages", messages);
        JsonNode msgList = m.isObject() && m.has("messages") ? m.get("messages") : m;
        JsonNode toolList = m.isObject() && m.has("tools") ? m.get("tools") : null;
        if (tools != null) {
            JsonNode t = TokenizerFiles.readJson("--tools", tools);
            toolList = t.isObject() && t.has("tools") ? t.get("tools") : t;
        }
        List<Map<String, Object>> msgs = listOfObjects("--messages " + messages, msgList);
        List<Map<String, Object>> toolSchemas = toolList == null || toolList.isNull() ? null
                : listOfObjects("--tools " + (tools != null ? tools : messages), toolList);
        Map<String, Object> extra = new HashMap<>();
        if (enableThinking != null) {
            extra.put("enable_thinking", enableThinking);
        }
        String text = template.render(msgs, toolSchemas, addGenerationPrompt, extra);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println("{\"text\":" + TokenizerFiles.quote(text) + "," + Ids.json(tok.encode(text)).substring(1));
        } else {
            out.print(text);
        }
        out.flush();
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> listOfObjects(String what, JsonNode n) {
        if (n == null || !n.isArray()) {
            throw new CliException(what + ": expected a JSON array of objects");
        }
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isObject()) {
                throw new CliException(what + ": item " + i + " is not a JSON object");
            }
        }
        return TokenizerFiles.JSON.convertValue(n, List.class);
    }
}
