package dev.nextinfer.cli;

import java.lang.reflect.Proxy;

/**
 * Ctrl-C (SIGINT) handling for the interactive chat, through {@code sun.misc.Signal} (module
 * {@code jdk.unsupported}, present in every standard JDK) looked up reflectively, so the build has no dependency
 * on it and a runtime without it just keeps the default behaviour (Ctrl-C ends the program).
 */
final class Interrupts {
    private Interrupts() {
    }

    /** Runs {@code handler} on each SIGINT instead of exiting; returns false when that is not possible here. */
    static boolean onInterrupt(Runnable handler) {
        try {
            Class<?> signalClass = Class.forName("sun.misc.Signal");
            Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            Object signal = signalClass.getConstructor(String.class).newInstance("INT");
            Object proxy = Proxy.newProxyInstance(handlerClass.getClassLoader(), new Class<?>[] {handlerClass}, (p, m, args) -> {
                switch (m.getName()) {
                    case "handle" -> handler.run();
                    case "hashCode" -> {
                        return System.identityHashCode(p);
                    }
                    case "equals" -> {
                        return p == args[0];
                    }
                    case "toString" -> {
                        return "nextinfer SIGINT handler";
                    }
                    default -> {
                    }
                }
                return null;
            });
            signalClass.getMethod("handle", signalClass, handlerClass).invoke(null, signal, proxy);
            return true;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return false;
        }
    }
}
