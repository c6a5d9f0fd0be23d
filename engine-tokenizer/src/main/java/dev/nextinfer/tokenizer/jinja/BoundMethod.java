package dev.nextinfer.tokenizer.jinja;

import java.util.List;
import java.util.Map;

/** A Python method looked up on a value ({@code s.strip}, {@code d.items}), called later. */
record BoundMethod(Object receiver, String name) implements JinjaCallable {
    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        return Methods.call(receiver, name, args, kwargs);
    }
}
