package dev.nextinfer.core.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nextinfer.core.checkpoint.ModelFiles;
import dev.nextinfer.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The vocabulary-only GGUF of the real Qwen3 tokenizer ({@code gguf/qwen3-vocab.gguf}, a test resource; see its
 * README), as a file, and the tokenizer read from it (once per test JVM: it takes about a second).
 */
public final class VocabGguf {
    private static final String RESOURCE = "/gguf/qwen3-vocab.gguf";
    private static Path file;
    private static Tokenizer tokenizer;

    private VocabGguf() {
    }

    /**
     * The GGUF file: the resource itself when the test classes are a folder, otherwise (this module's test jar on
     * another module's class path) a temporary copy.
     */
    public static synchronized Path file() {
        if (file == null) {
            URL url = VocabGguf.class.getResource(RESOURCE);
            if (url == null) {
                throw new IllegalStateException("missing test resource " + RESOURCE);
            }
            try {
                if (url.getProtocol().equals("file")) {
                    file = Path.of(url.toURI());
                } else {
                    Path tmp = Files.createTempFile("qwen3-vocab", ".gguf");
                    tmp.toFile().deleteOnExit();
                    try (InputStream in = url.openStream()) {
                        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                    }
                    file = tmp;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return file;
    }

    /** The tokenizer of the file, read the way the engine reads it ({@link ModelFiles#tokenizerOf}). */
    public static synchronized Tokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = ModelFiles.tokenizerOf(file());
        }
        return tokenizer;
    }

    /** {@code gguf/qwen3-vocab.tokenize-check.json}: llama.cpp's {@code llama-tokenize} ids for 5 strings. */
    public static JsonNode tokenizeCheck() {
        try (InputStream in = VocabGguf.class.getResourceAsStream("/gguf/qwen3-vocab.tokenize-check.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
