package dev.nextinfer.spring.ai;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Session;
import java.util.ArrayList;
import java.util.List;

/**
 * Sessions reused across prompts. Spring AI sends the whole conversation with every prompt; a prompt takes the
 * idle session whose history shares the longest prefix with it, so a growing conversation only pays for its new
 * tokens. Concurrent prompts each get their own session; at most {@code maxIdle} are kept in between.
 */
final class SessionPool {
    private final Qwen3Next model;
    private final int maxIdle;
    private final List<Session> idle = new ArrayList<>();

    SessionPool(Qwen3Next model, int maxIdle) {
        this.model = model;
        this.maxIdle = maxIdle;
    }

    /** The idle session that already holds the longest prefix of {@code prompt}, or a new one. */
    synchronized Session take(int[] prompt) {
        int best = -1;
        int bestLength = -1;
        for (int i = 0; i < idle.size(); i++) {
            int[] h = idle.get(i).history();
            int n = 0;
            int max = Math.min(h.length, prompt.length);
            while (n < max && h[n] == prompt[n]) {
                n++;
            }
            if (n > bestLength) {
                best = i;
                bestLength = n;
            }
        }
        return best < 0 ? model.newSession() : idle.remove(best);
    }

    /** Returns a session after its generation; dropped when enough are idle already. */
    synchronized void give(Session session) {
        if (idle.size() < maxIdle) {
            idle.add(session);
        }
    }
}
