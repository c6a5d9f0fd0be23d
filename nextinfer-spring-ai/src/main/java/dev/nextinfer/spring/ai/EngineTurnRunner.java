package dev.nextinfer.spring.ai;

import dev.nextinfer.core.Chat;
import dev.nextinfer.core.ChatPrompt;
import dev.nextinfer.core.ChatResponse;
import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.GenerationConfig;
import dev.nextinfer.core.GenerationListener;
import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Session;
import dev.nextinfer.core.TextPiece;
import dev.nextinfer.core.ToolCall;
import dev.nextinfer.core.Usage;
import java.util.List;

/** Runs turns on a loaded {@link Qwen3Next}, on sessions taken from a {@link SessionPool}. */
final class EngineTurnRunner implements TurnRunner {
    private final Qwen3Next model;
    private final SessionPool sessions;

    EngineTurnRunner(Qwen3Next model, int maxIdleSessions) {
        this.model = model;
        this.sessions = new SessionPool(model, maxIdleSessions);
    }

    @Override
    public ChatResponse run(Turn turn, GenerationListener listener, Cancellation cancel) {
        ChatPrompt prompt = model.chatPrompt(turn.messages(), turn.options());
        GenerationConfig config = turn.configFor(prompt.tokenIds().length, model.contextLength());
        if (cancel.isRequested()) { // cancelled before it started (e.g. a subscriber that went away): nothing to run
            return new ChatResponse("", "", List.of(), FinishReason.CANCELLED,
                    new Usage(prompt.tokenIds().length, 0, 0, 0, 0, 0, 0), new int[0]);
        }
        Session session = sessions.take(prompt.tokenIds());
        try {
            cancel.onCancel(session::cancel);
            Chat chat = model.newChat(turn.options(), session).addAll(turn.messages());
            // a request that arrived before the generation started (which clears the session's flag) is repeated
            // at each token
            return chat.respond(config, new GenerationListener() {
                @Override
                public void onText(TextPiece piece) {
                    listener.onText(piece);
                }

                @Override
                public void onToolCall(ToolCall call) {
                    listener.onToolCall(call);
                }

                @Override
                public void onToken(int tokenId) {
                    if (cancel.isRequested()) {
                        session.cancel();
                    }
                    listener.onToken(tokenId);
                }
            });
        } finally {
            cancel.onCancel(null);
            sessions.give(session);
        }
    }
}
