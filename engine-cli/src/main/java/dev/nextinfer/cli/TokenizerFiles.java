package dev.nextinfer.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** What the tokenizer commands share: reading input files, JSON output. */
final class TokenizerFiles {
    static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerFiles() {
    }

    /** A UTF-8 text file; invalid byte sequences become U+FFFD. */
    static String readText(String option, Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new CliException(option + " " + file + ": no such file");
        } catch (IOException e) {
            throw new CliException(option + " " + file + ": cannot read: " + e.getMessage());
        }
    }

    /** A JSON file as a tree. */
    static JsonNode readJson(String option, Path file) {
        String text = readText(option, file);
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CliException(option + " " + file + ": not valid JSON" + location(e) + ": "
                    + firstLine(e.getOriginalMessage()));
        }
    }

    static String location(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
    }

    static String firstLine(String s) {
        return s == null ? "" : s.split("\\R", 2)[0];
    }

    /** A JSON string literal. */
    static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
