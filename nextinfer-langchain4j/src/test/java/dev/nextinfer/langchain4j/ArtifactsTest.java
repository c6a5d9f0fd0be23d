package dev.nextinfer.langchain4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build's published artifacts stay consistent (checked here because a pom-only module has no tests): the BOM
 * pins every module at the project's version, and the examples ask for that version.
 */
class ArtifactsTest {
    private static final Path ROOT = Path.of("..");

    private static String version(String pom) {
        Matcher m = Pattern.compile("<artifactId>[^<]+</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertTrue(m.find());
        return m.group(1);
    }

    private static List<String> all(String regex, String text) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theBomPinsEveryModuleAtTheProjectsVersion() throws IOException {
        String root = Files.readString(ROOT.resolve("pom.xml"));
        String projectVersion = version(root.substring(root.indexOf("<artifactId>nextinfer-parent</artifactId>")));
        String bom = Files.readString(ROOT.resolve("nextinfer-bom/pom.xml"));
        assertEquals(projectVersion, version(bom.substring(bom.indexOf("<artifactId>nextinfer-bom</artifactId>"))),
                "nextinfer-bom's version");
        TreeSet<String> modules = new TreeSet<>(all("<module>([^<]+)</module>", root));
        modules.remove("nextinfer-bom");
        TreeSet<String> pinned = new TreeSet<>(all("<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project.version}</version>", bom));
        assertEquals(modules, pinned, "the BOM lists every module");
    }

    @Test
    void theExamplesAskForTheProjectsVersion() throws IOException {
        String root = Files.readString(ROOT.resolve("pom.xml"));
        String projectVersion = version(root.substring(root.indexOf("<artifactId>nextinfer-parent</artifactId>")));
        try (Stream<Path> examples = Files.list(ROOT.resolve("examples"))) {
            List<Path> poms = examples.map(p -> p.resolve("pom.xml")).filter(Files::exists).toList();
            assertEquals(3, poms.size());
            for (Path pom : poms) {
                assertEquals(List.of(projectVersion), all("<nextinfer.version>([^<]+)</nextinfer.version>", Files.readString(pom)),
                        pom.toString());
            }
        }
    }
}
