package dev.nextinfer.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Reading request bodies (bounded) and writing whole responses. */
final class HttpIo {
    private HttpIo() {
    }

    /**
     * The request body, at most {@code limit} bytes.
     *
     * @throws ApiError 413 when it is larger (the rest is read and dropped, up to a cap, so the client sees the
     *                  answer), 400 when the Content-Length header is malformed or the body cannot be read
     */
    static byte[] readBody(HttpExchange ex, long limit) {
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        boolean tooLarge = false;
        if (declared != null) {
            try {
                tooLarge = Long.parseLong(declared.trim()) > limit;
            } catch (NumberFormatException e) {
                throw ApiError.badRequest(null, "bad Content-Length header");
            }
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        long drainCap = Math.max(16L << 20, 4 * limit); // read (and drop) an oversized body so the client sees the 413
        long total = 0;
        try (InputStream in = ex.getRequestBody()) {
            byte[] b = new byte[8192];
            int n;
            while ((n = in.read(b)) > 0) {
                total += n;
                if (total > limit) {
                    tooLarge = true;
                }
                if (!tooLarge) {
                    buf.write(b, 0, n);
                } else if (total > drainCap) {
                    break;
                }
            }
        } catch (IOException e) {
            throw ApiError.badRequest(null, "cannot read the request body: " + e.getMessage());
        }
        if (tooLarge) {
            throw new ApiError(413, "invalid_request_error", "request_too_large", null,
                    "the request body is larger than " + limit + " bytes (--max-body)");
        }
        return buf.toByteArray();
    }

    /** Sends a whole response; a client that went away is not an error (there is no one to tell). */
    static void send(HttpExchange ex, int status, String contentType, byte[] body, Outcome outcome) {
        try {
            ex.getResponseHeaders().set("Content-Type", contentType);
            outcome.status = status;
            outcome.headersSent = true;
            outcome.finish(); // counted before the client can read the answer
            ex.sendResponseHeaders(status, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        } catch (IOException e) {
            // the client went away
        }
    }
}
