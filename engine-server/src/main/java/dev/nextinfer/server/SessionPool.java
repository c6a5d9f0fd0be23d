package dev.nextinfer.server;

import dev.nextinfer.core.Qwen3Next;
import dev.nextinfer.core.Session;
import java.util.ArrayList;
import java.util.List;

/**
 * One session per concurrent generation, reused across requests: a request takes the free session whose history
 * shares the longest prefix with its prompt, so a client that re-sends a growing conversation (as chat clients
 * do) only pays for the new tokens.
 */
final class SessionPool {
    private final List<Session> free = new ArrayList<>();
    private final List<Session> busy = new ArrayList<>();
    private boolean closed;

    SessionPool(Qwen3Next model, int size) {
        for (int i = 0; i < size; i++) {
            free.add(model.newSession());
        }
    }

    /** The best free session for {@code prompt}; the caller holds an admission slot, so one is free. */
    synchronized Session take(int[] prompt) {
        if (free.isEmpty()) {
            throw new IllegalStateException("no free session (admission and pool out of step)");
        }
        int best = 0;
        int bestLen = -1;
        for (int i = 0; i < free.size(); i++) {
            int[] h = free.get(i).history();
            int n = 0;
            int max = Math.min(h.length, prompt.length);
            while (n < max && h[n] == prompt[n]) {
                n++;
            }
            if (n > bestLen) {
                best = i;
                bestLen = n;
            }
        }
        Session s = free.remove(best);
        busy.add(s);
        return s;
    }

    synchronized void give(Session s) {
        busy.remove(s);
        if (closed) {
            s.close();
        } else {
            free.add(s);
        }
    }

    /** Cancels every running generation (shutdown). */
    synchronized void cancelAll() {
        busy.forEach(Session::cancel);
    }

    /** Frees the idle sessions' states now, and the busy ones' when they are given back (server shutdown). */
    synchronized void close() {
        closed = true;
        free.forEach(Session::close);
    }

    /** Sessions generating now. */
    synchronized int busy() {
        return busy.size();
    }
}
