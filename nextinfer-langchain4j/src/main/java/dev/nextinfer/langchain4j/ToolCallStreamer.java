package dev.nextinfer.langchain4j;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Follows the raw generated text (decoded token by token, before the engine's parser) to stream a tool call's
 * arguments while the model writes them. Qwen3 models write {@code <tool_call>{"name": "…", "arguments":
 * {…}}</tool_call>}; once the name and the start of the arguments object are seen, the arguments text is passed
 * on piece by piece, holding back what may still turn out to be the closing brace of the outer object or the
 * closing tag. The engine's parser stays the authority: it reports the complete call (with its arguments
 * re-serialised), and a block it rejects keeps its text in the content. Like the parser, {@code <tool_call>} only
 * counts outside a leading {@code <think>} block.
 *
 * <p>Not thread-safe: one per generation.
 */
final class ToolCallStreamer {
    static final String THINK_OPEN = "<think>";
    static final String THINK_CLOSE = "</think>";
    static final String TOOL_OPEN = "<tool_call>";
    static final String TOOL_CLOSE = "</tool_call>";
    private static final Pattern HEAD = Pattern.compile(
            "^\\s*\\{\\s*\"name\"\\s*:\\s*\"([^\"\\\\]+)\"\\s*,\\s*\"arguments\"\\s*:\\s*");

    /** Receives the streamed pieces of the tool calls. */
    interface Sink {
        /** A block's name and the start of its arguments object were seen; returns the call's index and id. */
        Started started(String name);

        /** More of the arguments text of the call {@code started} returned. */
        void arguments(Started call, String piece);
    }

    /**
     * A tool call whose arguments are being streamed.
     *
     * @param index the tool call's index in the response
     * @param id    its id
     * @param name  the function name
     */
    record Started(int index, String id, String name) {
    }

    private enum Mode { START, REASONING, CONTENT, TOOL }

    private final Sink sink;
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder body = new StringBuilder();
    private final Deque<Started> closed = new ArrayDeque<>();
    private Mode mode;
    private Started current;
    private int argsStart = -1;   // in body; -1 while the head is not seen (or the call is not streamable)
    private boolean streamable;
    private int emitted;          // arguments characters passed on

    ToolCallStreamer(boolean startsInThinking, Sink sink) {
        this.mode = startsInThinking ? Mode.REASONING : Mode.START;
        this.sink = sink;
    }

    /** More raw output text. */
    void accept(String text) {
        if (text.isEmpty()) {
            return;
        }
        pending.append(text);
        while (step()) {
            // go on while something was consumed
        }
    }

    /**
     * The oldest streamed call that was closed and not claimed yet whose name is {@code name} (older unclaimed ones
     * are dropped: the engine rejected them), or null when the call was not streamed.
     */
    Started claim(String name) {
        while (!closed.isEmpty()) {
            Started s = closed.removeFirst();
            if (s.name().equals(name)) {
                return s;
            }
        }
        return null;
    }

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
                    return true;
                }
                if (THINK_OPEN.startsWith(rest)) {
                    return false;
                }
                mode = Mode.CONTENT;
                return true;
            }
            case REASONING -> {
                return skipPast(THINK_CLOSE, Mode.CONTENT);
            }
            case CONTENT -> {
                boolean opened = skipPast(TOOL_OPEN, Mode.TOOL);
                if (opened) {
                    body.setLength(0);
                    current = null;
                    argsStart = -1;
                    streamable = true;
                    emitted = 0;
                }
                return opened;
            }
            case TOOL -> {
                body.append(pending);
                pending.setLength(0);
                int end = body.indexOf(TOOL_CLOSE);
                if (end >= 0) {
                    pending.append(body, end + TOOL_CLOSE.length(), body.length());
                    body.setLength(end);
                    closeBlock();
                    mode = Mode.CONTENT;
                    return true;
                }
                streamArguments();
                return false;
            }
        }
        return false;
    }

    /** Drops text up to and including {@code tag} and switches to {@code next}; keeps a possible partial tag. */
    private boolean skipPast(String tag, Mode next) {
        int i = pending.indexOf(tag);
        if (i >= 0) {
            pending.delete(0, i + tag.length());
            mode = next;
            return true;
        }
        int keep = Math.min(pending.length(), tag.length() - 1);
        pending.delete(0, pending.length() - keep);
        return false;
    }

    private void streamArguments() {
        if (!findHead()) {
            return;
        }
        int end = safeEnd(body.length());
        emitUpTo(end);
    }

    private void closeBlock() {
        if (findHead()) {
            int end = body.length();
            while (end > argsStart && Character.isWhitespace(body.charAt(end - 1))) {
                end--;
            }
            if (end > argsStart && body.charAt(end - 1) == '}') {
                end--; // the outer object's brace
            }
            while (end > argsStart && Character.isWhitespace(body.charAt(end - 1))) {
                end--;
            }
            emitUpTo(end);
        }
        if (current != null) {
            closed.addLast(current);
        }
        current = null;
    }

    /** Whether the head is known and the call streams (finds the head on first sight). */
    private boolean findHead() {
        if (!streamable) {
            return false;
        }
        if (argsStart < 0) {
            Matcher m = HEAD.matcher(body);
            if (!m.find()) {
                // still undecided while the body could grow into a head; a body that can't is not streamed
                if (body.length() > 512) {
                    streamable = false;
                }
                return false;
            }
            if (m.end() >= body.length()) {
                return false; // the arguments' first character is not there yet
            }
            if (body.charAt(m.end()) != '{') {
                streamable = false; // arguments as a string or in another shape: only the complete call is reported
                return false;
            }
            argsStart = m.end();
            current = sink.started(m.group(1));
        }
        return true;
    }

    /** The end of what can be passed on: not a possible start of the closing tag, nor trailing braces/whitespace. */
    private int safeEnd(int length) {
        int end = length;
        for (int k = Math.min(TOOL_CLOSE.length() - 1, end - argsStart); k > 0; k--) {
            if (TOOL_CLOSE.startsWith(body.substring(end - k, end))) {
                end -= k;
                break;
            }
        }
        while (end > argsStart && (body.charAt(end - 1) == '}' || Character.isWhitespace(body.charAt(end - 1)))) {
            end--;
        }
        return end;
    }

    private void emitUpTo(int end) {
        int from = argsStart + emitted;
        if (end > from) {
            sink.arguments(current, body.substring(from, end));
            emitted = end - argsStart;
        }
    }
}
