package io.github.structnet;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The library's packages depend on each other without a cycle, so that each can be read and changed from the ones
 * below it. Dependencies are read from the sources: imports and fully qualified names of other StructNet packages.
 */
class PackageDependenciesTest {

    private static final Path SOURCES = Path.of("src/main/java/io/github/structnet");
    private static final Pattern REFERENCE = Pattern.compile("io\\.github\\.structnet\\.([a-z]+)\\.");

    @Test
    void packagesFormNoCycle() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertTrue(uses.size() >= 10, "packages found: " + uses.keySet());
        List<String> cycle = findCycle(uses);
        assertTrue(cycle.isEmpty(), "package cycle: " + String.join(" -> ", cycle) + "; dependencies: " + uses);
    }

    @Test
    void certificatesSitBelowTheCheckersThatUseThem() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertFalse(uses.get("lipschitz").contains("certify"), "lipschitz must not depend on certify: " + uses);
        assertEquals(Set.of(), uses.get("kernels"), "kernels depends on ND4J only");
    }

    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = SOURCES.relativize(file).getName(0).toString();
                Set<String> targets = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    if (!m.group(1).equals(pkg)) {
                        targets.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** A cycle as a list of packages (first = last), or an empty list. */
    private static List<String> findCycle(Map<String, Set<String>> uses) {
        Set<String> done = new HashSet<>();
        for (String start : uses.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            List<String> cycle = visit(start, uses, path, new HashSet<>(), done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        return List.of();
    }

    private static List<String> visit(String pkg, Map<String, Set<String>> uses, Deque<String> path,
                                      Set<String> onPath, Set<String> done) {
        if (onPath.contains(pkg)) {
            List<String> cycle = new ArrayList<>(path);
            cycle = cycle.subList(cycle.indexOf(pkg), cycle.size());
            cycle.add(pkg);
            return cycle;
        }
        if (!done.add(pkg)) {
            return List.of();
        }
        path.addLast(pkg);
        onPath.add(pkg);
        for (String next : uses.getOrDefault(pkg, Set.of())) {
            List<String> cycle = visit(next, uses, path, onPath, done);
            if (!cycle.isEmpty()) {
                return cycle;
            }
        }
        path.removeLast();
        onPath.remove(pkg);
        return List.of();
    }
}
