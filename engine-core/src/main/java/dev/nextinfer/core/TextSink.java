package dev.nextinfer.core;

/** Where a generation's text goes after stop strings are cut: the raw completion text or the chat parser. */
interface TextSink {
    /** More text (complete UTF-8, never empty). */
    void text(String s);

    /** The end of the stream. */
    void finish();

    /** Raw completion: every piece is content. */
    final class Raw implements TextSink {
        private final GenerationListener listener;
        private final StringBuilder text = new StringBuilder();

        Raw(GenerationListener listener) {
            this.listener = listener;
        }

        @Override
        public void text(String s) {
            text.append(s);
            listener.onText(new TextPiece(s, TextPiece.Kind.CONTENT));
        }

        @Override
        public void finish() {
        }

        String result() {
            return text.toString();
        }
    }

    /** Chat: reasoning, content and tool calls. */
    final class Chat implements TextSink {
        final ChatOutputParser parser;

        Chat(boolean startsInThinking, GenerationListener listener) {
            this.parser = new ChatOutputParser(startsInThinking, listener);
        }

        @Override
        public void text(String s) {
            parser.accept(s);
        }

        @Override
        public void finish() {
            parser.finish();
        }
    }
}
