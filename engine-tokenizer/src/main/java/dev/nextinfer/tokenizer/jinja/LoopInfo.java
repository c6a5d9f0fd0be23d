package dev.nextinfer.tokenizer.jinja;

import java.util.List;

/** The {@code loop} variable of a for loop: index, index0, first, last, length, revindex, previtem, … */
final class LoopInfo {
    private final List<Object> items;
    int index0;
    private Object lastChanged = new Object();

    LoopInfo(List<Object> items) {
        this.items = items;
    }

    /** The attribute {@code name}, or an Undefined. */
    Object get(String name) {
        int n = items.size();
        return switch (name) {
            case "index0" -> (long) index0;
            case "index" -> (long) index0 + 1;
            case "revindex0" -> (long) (n - index0 - 1);
            case "revindex" -> (long) (n - index0);
            case "first" -> index0 == 0;
            case "last" -> index0 == n - 1;
            case "length" -> (long) n;
            case "depth" -> 1L;
            case "depth0" -> 0L;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : new Undefined("there is no previous item");
            case "nextitem" -> index0 + 1 < n ? items.get(index0 + 1) : new Undefined("there is no next item");
            case "cycle" -> (JinjaCallable) (args, kw) -> {
                if (args.isEmpty()) {
                    throw new PyError("no items for cycling given");
                }
                return args.get(index0 % args.size());
            };
            case "changed" -> (JinjaCallable) (args, kw) -> {
                Object v = args.size() == 1 ? args.get(0) : new PyTuple(args);
                boolean changed = !Py.eq(v, lastChanged);
                lastChanged = v;
                return changed;
            };
            default -> new Undefined("'LoopContext object' has no attribute '" + name + "'");
        };
    }
}
