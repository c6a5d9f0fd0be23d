package dev.nextinfer.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Splits a chat model's output, as it streams, into reasoning ({@code <think>…</think>}), content and tool calls
 * ({@code <tool_call>{"name": …, "arguments": …}</tool_call>}). Works on text pieces of any size: a tag split
 * across pieces is held back until it is complete.
 *
 * <ul>
 *   <li>Reasoning is the text inside a {@code <think>} block that opens the output (leading whitespace allowed),
 *       or everything up to {@code </think>} when the prompt already opened the block ({@code startsInThinking}).</li>
 *   <li>A tool-call block whose body is a JSON object with a string {@code name} becomes a {@link ToolCall};
 *       anything else (bad JSON, an unterminated block) stays in the content as text.</li>
 *   <li>Newlines at the start and end of each reasoning or content section are dropped, as the chat templates
 *       drop them when they render the turn back; a run of newlines is held back until text follows it.</li>
 * </ul>
 *
 * Not thread-safe: one per generation.
 */
final class ChatOutputParser {
    static final String THINK_OPEN = "<think>";
    static final String THINK_CLOSE = "</think>";
    static final String TOOL_OPEN = "<tool_call>";
    static final String TOOL_CLOSE = "</tool_call>";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private enum Mode { START, REASONING, CONTENT, TOOL }

    private final GenerationListener listener;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder content = new StringBuilder();
    private final StringBuilder reasoning = new StringBuilder();
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private Mode mode;
    private boolean sectionStart = true;
    private String heldNewlines = "";

    ChatOutputParser(boolean startsInThinking, GenerationListener listener) {
        this.mode = startsInThinking ? Mode.REASONING : Mode.START;
        this.listener = listener;
    }

    /** Adds generated text. */
    void accept(String text) {
        pending.append(text);
        boolean progress = true;
        while (progress) {
            progress = step();
        }
    }

    /** Ends the stream: emits what is held back. */
    void finish() {
        switch (mode) {
            case START, CONTENT -> emit(takeAll(), TextPiece.Kind.CONTENT, true);
            case REASONING -> emit(takeAll(), TextPiece.Kind.REASONING, true);
            case TOOL -> {
                sectionStart = false;
                emit(TOOL_OPEN + takeAll(), TextPiece.Kind.CONTENT, true);
            }
        }
        mode = Mode.CONTENT;
    }

    String content() {
        return content.toString();
    }

    String reasoning() {
        return reasoning.toString();
    }

    List<ToolCall> toolCalls() {
        return List.copyOf(toolCalls);
    }

    /** One transition; returns whether it consumed anything or changed mode. */
    private boolean step() {
        switch (mode) {
            case START -> {
                int i = 0;
                while (i < pending.length() && Character.isWhitespace(pending.charAt(i))) {
                    i++;
                }
                String rest = pending.substring(i);
                if (rest.startsWith(THINK_OPEN)) {
                    pending.delete(0, i + THINK_OPEN.length());
                    mode = Mode.REASONING;
                    sectionStart = true;
                    return true;
                }
                if (THINK_OPEN.startsWith(rest)) {
                    return false; // undecided: "", "  <thi", …
                }
                mode = Mode.CONTENT;
                return true;
            }
            case REASONING -> {
                return scan(THINK_CLOSE, TextPiece.Kind.REASONING, Mode.CONTENT, true);
            }
            case CONTENT -> {
                // newlines before the block are dropped only if it turns out to be a valid call
                return scan(TOOL_OPEN, TextPiece.Kind.CONTENT, Mode.TOOL, false);
            }
            case TOOL -> {
                int end = pending.indexOf(TOOL_CLOSE);
                if (end < 0) {
                    return false;
                }
                String body = pending.substring(0, end);
                pending.delete(0, end + TOOL_CLOSE.length());
                ToolCall call = parseToolCall(body);
                mode = Mode.CONTENT;
                if (call != null) {
                    heldNewlines = "";
                    toolCalls.add(call);
                    listener.onToolCall(call);
                    sectionStart = true;
                } else {
                    sectionStart = false;
                    emit(TOOL_OPEN + body + TOOL_CLOSE, TextPiece.Kind.CONTENT, false);
                }
                return true;
            }
        }
        return false;
    }

    /**
     * Emits text up to {@code tag} (then switches to {@code next}; {@code endsSection}: trailing newlines before the
     * tag are dropped) or up to a possible partial tag at the end.
     */
    private boolean scan(String tag, TextPiece.Kind kind, Mode next, boolean endsSection) {
        int i = pending.indexOf(tag);
        if (i >= 0) {
            String before = pending.substring(0, i);
            pending.delete(0, i + tag.length());
            emit(before, kind, endsSection);
            mode = next;
            sectionStart = endsSection;
            return true;
        }
        int keep = StopStringFilter.suffixPrefixOverlap(pending, tag);
        String ready = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        emit(ready, kind, false);
        return false;
    }

    private String takeAll() {
        String s = pending.toString();
        pending.setLength(0);
        return s;
    }

    /** Emits a section's text, trimming newlines at the section's start and (when {@code last}) its end. */
    private void emit(String text, TextPiece.Kind kind, boolean last) {
        if (sectionStart) {
            int i = 0;
            while (i < text.length() && text.charAt(i) == '\n') {
                i++;
            }
            text = text.substring(i);
            if (!text.isEmpty()) {
                sectionStart = false;
            }
        }
        text = heldNewlines + text;
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\n') {
            end--;
        }
        heldNewlines = last ? "" : text.substring(end);
        text = text.substring(0, end);
        if (!text.isEmpty()) {
            (kind == TextPiece.Kind.REASONING ? reasoning : content).append(text);
            listener.onText(new TextPiece(text, kind));
        }
    }

    /** A tool call from a block body, or null if it is not {@code {"name": string, "arguments": object}}. */
    static ToolCall parseToolCall(String body) {
        try {
            JsonNode n = JSON.readTree(body.strip());
            if (n == null || !n.isObject() || !n.path("name").isTextual()) {
                return null;
            }
            JsonNode args = n.get("arguments");
            if (args == null || args.isNull()) {
                args = JSON.createObjectNode();
            } else if (args.isTextual()) {
                args = JSON.readTree(args.asText());
            }
            if (args == null || !args.isObject()) {
                return null;
            }
            String id = "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
            return new ToolCall(id, n.get("name").asText(), JSON.writeValueAsString(args));
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
