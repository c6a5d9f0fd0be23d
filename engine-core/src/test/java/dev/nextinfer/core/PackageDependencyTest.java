package dev.nextinfer.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering of engine-core's compiled classes, read with {@code jdeps}: the decoding packages ({@code core.decode},
 * {@code core.speculative}) take no part in a dependency cycle with the public API that uses them, speculative
 * decoding's algorithm does not depend on the token loop, and no runtime class ({@code dev.nextinfer.core.*})
 * depends on a tool ({@code dev.nextinfer.tools.*}).
 */
class PackageDependencyTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+(dev\\.nextinfer\\.\\S+)\\s+->\\s+(dev\\.nextinfer\\.\\S+)\\s");
    private static final Map<String, Set<String>> GRAPH = new TreeMap<>();

    @BeforeAll
    static void readClasses() throws Exception {
        Path classes = Path.of(Session.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:class", "-filter:none",
                classes.toString());
        assertEquals(0, rc, "jdeps failed");
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find()) {
                GRAPH.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(m.group(2));
                GRAPH.computeIfAbsent(m.group(2), k -> new TreeSet<>());
            }
        }
        assertTrue(GRAPH.containsKey("dev.nextinfer.core.decode.TokenLoop"), "jdeps saw the classes");
    }

    private static String pkg(String cls) {
        return cls.substring(0, cls.lastIndexOf('.'));
    }

    @Test
    void decodingPackagesAreInNoCycleWithOtherPackages() {
        List<String> bad = new ArrayList<>();
        for (Set<String> scc : stronglyConnected()) {
            Set<String> packages = new TreeSet<>();
            scc.forEach(c -> packages.add(pkg(c)));
            boolean decoding = packages.contains("dev.nextinfer.core.decode") || packages.contains("dev.nextinfer.core.speculative");
            if (decoding && packages.size() > 1) {
                bad.add(scc.toString());
            }
        }
        assertEquals(List.of(), bad, "class cycles through core.decode / core.speculative and another package");
    }

    @Test
    void speculativeDecodingDoesNotDependOnTheTokenLoop() {
        GRAPH.forEach((from, to) -> {
            if (pkg(from).equals("dev.nextinfer.core.speculative")) {
                to.forEach(t -> assertTrue(!pkg(t).equals("dev.nextinfer.core.decode"), from + " -> " + t));
            }
        });
    }

    @Test
    void runtimeClassesDoNotDependOnTools() {
        GRAPH.forEach((from, to) -> {
            if (from.startsWith("dev.nextinfer.core.")) {
                to.forEach(t -> assertTrue(!t.startsWith("dev.nextinfer.tools."), from + " -> " + t));
            }
        });
    }

    /** Tarjan's strongly connected components of {@link #GRAPH} (iterative: no deep recursion). */
    private static List<Set<String>> stronglyConnected() {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<Set<String>> out = new ArrayList<>();
        int[] counter = {0};
        for (String root : GRAPH.keySet()) {
            if (index.containsKey(root)) {
                continue;
            }
            Deque<Object[]> work = new ArrayDeque<>(); // {node, iterator over its successors}
            index.put(root, counter[0]);
            low.put(root, counter[0]++);
            stack.push(root);
            onStack.add(root);
            work.push(new Object[] {root, GRAPH.get(root).iterator()});
            while (!work.isEmpty()) {
                Object[] frame = work.peek();
                String v = (String) frame[0];
                @SuppressWarnings("unchecked")
                java.util.Iterator<String> it = (java.util.Iterator<String>) frame[1];
                if (it.hasNext()) {
                    String w = it.next();
                    if (!index.containsKey(w)) {
                        index.put(w, counter[0]);
                        low.put(w, counter[0]++);
                        stack.push(w);
                        onStack.add(w);
                        work.push(new Object[] {w, GRAPH.get(w).iterator()});
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                    continue;
                }
                work.pop();
                if (!work.isEmpty()) {
                    String parent = (String) work.peek()[0];
                    low.put(parent, Math.min(low.get(parent), low.get(v)));
                }
                if (low.get(v).equals(index.get(v))) {
                    Set<String> scc = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        scc.add(w);
                    } while (!w.equals(v));
                    out.add(scc);
                }
            }
        }
        return out;
    }
}
