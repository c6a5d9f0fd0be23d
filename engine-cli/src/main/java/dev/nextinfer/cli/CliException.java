package dev.nextinfer.cli;

/** Bad command-line input that the option parser cannot catch (e.g. an unreadable file); one-line message. */
public final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with a one-line message. */
    public CliException(String message) {
        super(message);
    }
}
