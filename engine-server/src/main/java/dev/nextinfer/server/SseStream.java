package dev.nextinfer.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.nextinfer.core.Session;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A response as server-sent events: {@code data: JSON\n\n} per event, {@code data: [DONE]\n\n} at the end. Opening
 * it sends the 200 headers. A failed write means the client went away: the session's generation is cancelled (it
 * stops at its next token) and later writes are dropped.
 */
final class SseStream {
    private final Session session;
    private final Outcome outcome;
    private final OutputStream out;
    private boolean broken;

    SseStream(HttpExchange ex, Session session, Outcome outcome) {
        this.session = session;
        this.outcome = outcome;
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.getResponseHeaders().set("X-Accel-Buffering", "no"); // nginx and similar proxies: pass events on at once
        outcome.status = 200;
        outcome.stream = true;
        outcome.headersSent = true;
        OutputStream o = null;
        try {
            ex.sendResponseHeaders(200, 0);
            o = ex.getResponseBody();
        } catch (IOException e) {
            broken = true;
            session.cancel();
        }
        this.out = o;
    }

    void send(ObjectNode event) {
        write("data: " + json(event) + "\n\n");
    }

    void done() {
        outcome.finish(); // counted before the client can read the end
        write("data: [DONE]\n\n");
    }

    /** Whether a write failed (the client is gone). */
    boolean broken() {
        return broken;
    }

    /** An error after the stream started: an {@code error} event, then the end (OpenAI's convention). */
    static void writeError(HttpExchange ex, ObjectNode error, Outcome outcome) {
        outcome.finish();
        try {
            OutputStream o = ex.getResponseBody();
            o.write(("data: " + json(error) + "\n\ndata: [DONE]\n\n").getBytes(StandardCharsets.UTF_8));
            o.flush();
        } catch (IOException ignored) {
            // disconnected
        }
    }

    private static String json(ObjectNode n) {
        try {
            return Wire.JSON.writeValueAsString(n);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private void write(String s) {
        if (broken) {
            return;
        }
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            broken = true;
            session.cancel(); // the client disconnected: stop generating for it
        }
    }
}
