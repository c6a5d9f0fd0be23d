package dev.nextinfer.server;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The optional API key, checked as OpenAI clients send it: {@code Authorization: Bearer KEY}. The comparison is of
 * SHA-256 digests with {@link MessageDigest#isEqual} (constant time), so neither the key's content nor its length
 * leaks through response timing.
 */
final class ApiKey {
    private final byte[] digest;

    /** @param key the key, or null for none (every request allowed) */
    ApiKey(String key) {
        this.digest = key == null ? null : sha256(key);
    }

    boolean required() {
        return digest != null;
    }

    /** Whether the request carries the key (always true without a key). */
    boolean allows(HttpExchange ex) {
        return allowsHeader(ex.getRequestHeaders().getFirst("Authorization"));
    }

    boolean allowsHeader(String authorization) {
        if (digest == null) {
            return true;
        }
        String token = "";
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = authorization.substring(7).strip();
        }
        return MessageDigest.isEqual(digest, sha256(token)); // compared in full even when the header is missing
    }

    static ApiError unauthorized() {
        return new ApiError(401, "invalid_request_error", "invalid_api_key", null,
                "missing or incorrect API key: send it as 'Authorization: Bearer KEY' (--api-key)");
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
