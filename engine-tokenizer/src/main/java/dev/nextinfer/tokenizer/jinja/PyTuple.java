package dev.nextinfer.tokenizer.jinja;

import java.util.List;

/** A Python tuple (from {@code dict.items()}, {@code (a, b)} literals): a sequence that prints as {@code (a, b)}. */
record PyTuple(List<Object> items) {
}
