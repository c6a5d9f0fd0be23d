package dev.nextinfer.core;

/**
 * The engine computes with the JDK's Vector API, an incubator module that the JVM only resolves when asked
 * ({@code --add-modules jdk.incubator.vector}). Without it the first kernel call would fail deep inside loading
 * with a {@code NoClassDefFoundError}; {@link #require()} says what to do instead, before any work is done.
 */
final class VectorModule {
    /** The module name, as passed to {@code --add-modules}. */
    static final String NAME = "jdk.incubator.vector";

    private VectorModule() {
    }

    /** Whether the running JVM resolved the Vector API module. */
    static boolean available() {
        return ModuleLayer.boot().findModule(NAME).isPresent();
    }

    /**
     * @throws NextInferException naming the missing JVM flag when the module is not resolved
     */
    static void require() {
        if (!available()) {
            throw new NextInferException("the JDK's Vector API module is missing: start java with --add-modules "
                    + NAME + " (for Maven tests: surefire <argLine>; for a jar: java --add-modules " + NAME
                    + " -jar …, or JDK_JAVA_OPTIONS=\"--add-modules " + NAME + "\")");
        }
    }
}
