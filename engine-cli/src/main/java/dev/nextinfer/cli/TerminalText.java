package dev.nextinfer.cli;

import dev.nextinfer.core.FinishReason;
import dev.nextinfer.core.Usage;
import java.util.Locale;

/** Text for a terminal: generated text made safe to print, and the statistics line. */
final class TerminalText {
    private TerminalText() {
    }

    /**
     * {@code s} with the characters that could mess up a terminal escaped as {@code \\uXXXX}: control characters
     * other than newline and tab (ESC, CR, backspace, C1 controls, DEL), bidirectional overrides and isolates, and
     * the line/paragraph separators. Everything else, including emoji and joiners, is kept.
     */
    static String printable(String s) {
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (unsafe(c)) {
                if (out == null) {
                    out = new StringBuilder(s.length() + 16).append(s, 0, i);
                }
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? s : out.toString();
    }

    private static boolean unsafe(char c) {
        if (c == '\n' || c == '\t') {
            return false;
        }
        return Character.isISOControl(c)
                || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')
                || c == '\u200e' || c == '\u200f' || c == '\u061c' || c == '\u2028' || c == '\u2029';
    }

    /** One line of statistics: prompt and generated tokens with their speeds, and the finish reason. */
    static String stats(Usage u, FinishReason reason) {
        String s = String.format(Locale.ROOT, "prompt %d tokens (%d cached) %.1f tok/s | generated %d tokens %.1f tok/s | finish: %s",
                u.promptTokens(), u.cachedPromptTokens(), u.prefillTokensPerSecond(), u.completionTokens(),
                u.tokensPerSecond(), reason.wireName());
        if (u.draftedTokens() > 0) {
            s += String.format(Locale.ROOT, " | mtp accepted %d/%d drafts", u.acceptedTokens(), u.draftedTokens());
        }
        return s;
    }
}
