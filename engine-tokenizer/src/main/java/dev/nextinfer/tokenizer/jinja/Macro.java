package dev.nextinfer.tokenizer.jinja;

import dev.nextinfer.tokenizer.jinja.Ast.Expr;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code {% macro %}} bound to the frame it was defined in. A call renders the body in a new frame with the
 * parameters bound (missing ones from their defaults, else undefined); extra arguments go to {@code varargs}
 * and {@code kwargs} as in Jinja2.
 */
final class Macro implements JinjaCallable {
    private final Ast.Macro def;
    private final Scope closure;
    private final Interpreter interpreter;

    Macro(Ast.Macro def, Scope closure, Interpreter interpreter) {
        this.def = def;
        this.closure = closure;
        this.interpreter = interpreter;
    }

    @Override
    public Object call(List<Object> args, Map<String, Object> kwargs) {
        Scope s = new Scope(closure);
        List<String> params = def.params();
        Map<String, Object> extraKw = new LinkedHashMap<>(kwargs);
        for (int i = 0; i < params.size(); i++) {
            String name = params.get(i);
            Object v;
            if (i < args.size()) {
                v = args.get(i);
            } else if (extraKw.containsKey(name)) {
                v = extraKw.remove(name);
            } else {
                Expr d = def.defaults().get(i);
                v = d == null ? new Undefined("parameter '" + name + "' was not provided") : interpreter.eval(d, s);
            }
            s.set(name, v);
        }
        s.set("varargs", new PyTuple(args.size() > params.size()
                ? new ArrayList<>(args.subList(params.size(), args.size())) : List.of()));
        s.set("kwargs", extraKw);
        StringBuilder out = new StringBuilder();
        Sandbox sandbox = interpreter.sandbox();
        sandbox.enter();
        try {
            interpreter.exec(def.body(), s, out);
        } finally {
            sandbox.exit();
        }
        return out.toString();
    }
}
