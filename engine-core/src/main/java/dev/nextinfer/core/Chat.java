package dev.nextinfer.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A conversation: messages rendered by the checkpoint's chat template, generated on a {@link Session}. Each
 * {@link #send} adds the user message and the assistant's answer to the conversation; the next turn re-renders
 * the whole conversation and the session reuses the state of the common prefix, so only the new part is computed.
 *
 * <p>The answer is split into {@link ChatResponse#reasoning()} (thinking, {@code <think>…</think>}),
 * {@link ChatResponse#content()} and {@link ChatResponse#toolCalls()} ({@code <tool_call>} blocks), also while
 * streaming: listeners get {@link TextPiece}s of kind {@code REASONING} or {@code CONTENT} and
 * {@link GenerationListener#onToolCall}. To answer tool calls, {@link #add} a {@link ChatMessage#tool} message per
 * call and call {@link #respond}.
 *
 * <pre>{@code
 * Chat chat = model.newChat(ChatOptions.builder().system("You are concise.").build());
 * ChatResponse r = chat.send("Hi!", GenerationConfig.builder().maxTokens(200).build(), p -> System.out.print(p.text()));
 * }</pre>
 *
 * Not thread-safe (one conversation, one thread at a time), except {@link #cancel()}.
 */
public final class Chat {
    private final Qwen3Next model;
    private final Session session;
    private final ChatOptions options;
    private final List<ChatMessage> messages = new ArrayList<>();

    Chat(Qwen3Next model, Session session, ChatOptions options) {
        this.model = model;
        this.session = session;
        this.options = options;
        model.requireChatTemplate();
        reset();
    }

    /** The options. */
    public ChatOptions options() {
        return options;
    }

    /** The session that generates (and caches) this conversation. */
    public Session session() {
        return session;
    }

    /** The conversation so far (a copy), the system message first if there is one. */
    public List<ChatMessage> messages() {
        return List.copyOf(messages);
    }

    /** Appends a message (e.g. a {@link ChatMessage#tool} result, or earlier turns of a conversation). */
    public Chat add(ChatMessage message) {
        messages.add(Args.required(message, "message"));
        return this;
    }

    /** Appends messages. */
    public Chat addAll(List<ChatMessage> more) {
        for (ChatMessage m : Args.required(more, "messages")) {
            Args.required(m, "message");
        }
        messages.addAll(more);
        return this;
    }

    /** Back to the system message only. The session keeps its cache, so the system prompt is not recomputed. */
    public void reset() {
        messages.clear();
        if (options.system() != null) {
            messages.add(ChatMessage.system(options.system()));
        }
    }

    /** Cancels the answer being generated (from any thread); it ends with {@link FinishReason#CANCELLED}. */
    public void cancel() {
        session.cancel();
    }

    /** Sends a user message and returns the answer (no streaming). */
    public ChatResponse send(String userMessage, GenerationConfig config) {
        return send(userMessage, config, GenerationListener.NONE);
    }

    /** Sends a user message, streaming the answer to {@code listener}. */
    public ChatResponse send(String userMessage, GenerationConfig config, GenerationListener listener) {
        Args.required(userMessage, "user message");
        Args.required(config, "generation config");
        ChatMessage user = ChatMessage.user(userMessage);
        messages.add(user);
        try {
            return respond(config, listener);
        } catch (RuntimeException e) {
            if (!messages.isEmpty() && messages.getLast() == user) {
                messages.removeLast(); // refused (e.g. too long for the context): not part of the conversation
            }
            throw e;
        }
    }

    /**
     * Generates the assistant's next message after the current messages (e.g. after tool results) and appends it
     * to the conversation — also when it was cut short ({@code length}, {@code cancelled}).
     */
    public ChatResponse respond(GenerationConfig config, GenerationListener listener) {
        return respond(Args.required(config, "generation config"), Args.listener(listener), null);
    }

    /**
     * Sends a user message and streams the answer from a background thread (closing the stream cancels). The
     * answer is appended to the conversation by that thread: use the chat again only after the stream has ended.
     */
    public TextStream<ChatResponse> stream(String userMessage, GenerationConfig config) {
        Args.required(userMessage, "user message");
        Args.required(config, "generation config");
        messages.add(ChatMessage.user(userMessage));
        ChatPrompt prompt;
        try {
            prompt = prompt();
            session.checkLimits(prompt.tokenIds(), config);
        } catch (RuntimeException e) {
            messages.removeLast();
            throw e;
        }
        return TextStream.start((listener, closed) -> respond(prompt, config, listener, closed));
    }

    /** The current conversation rendered for generation (template with the generation prompt, and its tokens). */
    public ChatPrompt prompt() {
        return model.chatPrompt(messages, options);
    }

    private ChatResponse respond(GenerationConfig config, GenerationListener listener, BooleanSupplier closed) {
        return respond(prompt(), config, listener, closed);
    }

    private ChatResponse respond(ChatPrompt prompt, GenerationConfig config, GenerationListener listener, BooleanSupplier closed) {
        TextSink.Chat sink = new TextSink.Chat(prompt.opensThinking(), listener);
        Session.Outcome o = session.run(prompt.tokenIds(), config, sink, listener, closed);
        ChatOutputParser p = sink.parser;
        ChatResponse r = new ChatResponse(p.content(), p.reasoning(), p.toolCalls(), o.finishReason(), o.usage(), o.tokens());
        messages.add(r.toMessage());
        return r;
    }

    /** Renders {@code messages} (with {@code options.system()} first, unless they start with a system message). */
    static ChatPrompt render(Qwen3Next model, List<ChatMessage> messages, ChatOptions options) {
        List<Map<String, Object>> tree = new ArrayList<>();
        if (options.system() != null && (messages.isEmpty() || !messages.getFirst().role().equals("system"))) {
            tree.add(ChatMessage.system(options.system()).toTemplateMap());
        }
        for (ChatMessage m : messages) {
            tree.add(m.toTemplateMap());
        }
        if (tree.isEmpty()) {
            throw new NextInferException("the conversation is empty: add a message first");
        }
        String text;
        try {
            text = model.requireChatTemplate().render(tree, options.tools().isEmpty() ? null : options.tools(), true,
                    options.templateVariables());
        } catch (dev.nextinfer.tokenizer.TokenizerException e) {
            throw new NextInferException("chat template: " + e.getMessage(), e);
        }
        return new ChatPrompt(text, model.tokenizer().encode(text), ChatPrompt.endsInsideThinking(text));
    }
}
