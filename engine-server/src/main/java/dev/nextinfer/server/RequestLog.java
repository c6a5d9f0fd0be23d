package dev.nextinfer.server;

import java.util.Locale;

/**
 * What one request did: the server hands one to its log consumer when the request ends (the {@code serve} command
 * prints it as a line on stderr).
 *
 * @param method           HTTP method
 * @param path             request path
 * @param status           HTTP status answered (0 if the client went away before any answer)
 * @param stream           whether the answer was streamed as server-sent events
 * @param promptTokens     prompt tokens (generations only)
 * @param cachedTokens     prompt tokens whose state was reused
 * @param completionTokens tokens generated
 * @param finishReason     {@code stop}, {@code length}, {@code tool_calls}, {@code cancelled}; null when no generation ran
 * @param seconds          time from the request's arrival to its end
 */
public record RequestLog(String method, String path, int status, boolean stream, int promptTokens, int cachedTokens,
                         int completionTokens, String finishReason, double seconds) {
    @Override
    public String toString() {
        String s = String.format(Locale.ROOT, "%s %s %d", method, path, status);
        if (finishReason != null) {
            s += String.format(Locale.ROOT, "%s prompt=%d (cached %d) completion=%d finish=%s", stream ? " stream" : "",
                    promptTokens, cachedTokens, completionTokens, finishReason);
        }
        return s + String.format(Locale.ROOT, " %.2fs", seconds);
    }
}
