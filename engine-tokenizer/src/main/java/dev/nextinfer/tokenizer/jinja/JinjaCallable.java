package dev.nextinfer.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/** Something a template can call: a macro, a global function or a bound method. */
@FunctionalInterface
interface JinjaCallable {
    /** Calls with positional and keyword arguments. */
    Object call(List<Object> args, Map<String, Object> kwargs);
}
