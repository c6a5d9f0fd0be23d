package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nextinfer.core.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Loading without {@code --add-modules jdk.incubator.vector} fails with a message naming the flag. */
class VectorModuleTest {

    /** Run in a JVM started without the Vector API module. */
    public static void main(String[] args) {
        try {
            Qwen3Next.load(java.nio.file.Path.of(args[0]), LoadOptions.builder().threads(1).build()).close();
            System.out.println("loaded");
        } catch (NextInferException e) {
            System.out.println("error: " + e.getMessage());
        }
    }

    @Test
    void thisJvmHasTheModule() {
        assertTrue(VectorModule.available());
    }

    @Test
    void missingModuleIsAOneLineErrorNamingTheFlag() throws IOException, InterruptedException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), VectorModuleTest.class.getName(),
                Fixtures.model("tiny-f32").toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe JVM finished");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("error: the JDK's Vector API module is missing: start java with --add-modules jdk.incubator.vector"), out);
        assertFalse(out.contains("NoClassDefFoundError"), out);
    }
}
