package com.lawyerllama;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The one direction between the feature packages (docs/architecture.md draws it), checked over the
 * sources of {@code src/main/java}: a package may name only the packages listed for it below.
 * Imports, static imports and fully qualified names in code or comments all count (a constant such
 * as {@code ElasticsearchStatus.RETRY_AFTER_SECONDS} is inlined by javac, so the compiled classes
 * would not show it; the source does). Subpackages belong to their top-level package
 * ({@code retrieval.dense} is {@code retrieval}, {@code llama.gguf} is {@code llama}).
 *
 * <p>A new top-level package fails this test until it is given its place here; {@code openai} and
 * {@code evaluation} have theirs before they exist.
 */
class PackageDirectionTest {

    static final String ROOT = "com.lawyerllama";

    /** For each top-level package under {@code com.lawyerllama}, the packages it may import. */
    static final Map<String, Set<String>> ALLOWED = new TreeMap<>(Map.ofEntries(
            // the foundation: errors, security, data directory; imports no feature
            Map.entry("system", Set.of()),
            Map.entry("elasticsearch", Set.of("system")),
            // the statute model and citation parser (self-contained); the engine, its weights, tokenizers and the
            // remote model client (which answers its upstream's refusals with system's HTTP-status exceptions)
            Map.entry("law", Set.of()),
            Map.entry("llama", Set.of("system")),
            Map.entry("retrieval", Set.of("system", "elasticsearch", "law", "llama")),
            Map.entry("consult", Set.of("system", "elasticsearch", "law", "llama", "retrieval")),
            Map.entry("evaluation", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "consult")),
            Map.entry("openai", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "consult")),
            // training uses retrieval (distractors, the article index) and evaluation; never the reverse
            Map.entry("training", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "evaluation")),
            Map.entry("dataset", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "consult",
                    "evaluation", "training")),
            Map.entry("web", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "consult",
                    "evaluation", "openai", "training", "dataset")),
            // every subcommand lives in cli; nothing imports it
            Map.entry("cli", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "consult",
                    "evaluation", "openai", "training", "dataset", "web")),
            // LawyerLlamaApplication, the Spring application that puts them together
            Map.entry("", Set.of("system", "elasticsearch", "law", "llama", "retrieval", "consult",
                    "evaluation", "openai", "training", "dataset", "web", "cli"))));

    private static final Pattern REFERENCE = Pattern.compile("\\bcom\\.lawyerllama((?:\\.[a-z_][a-z0-9_]*)?)");
    private static final Pattern PICOCLI = Pattern.compile("\\bpicocli\\.");

    @Test
    void everyPackageImportsOnlyThePackagesBelowIt() {
        List<String> violations = violations(Path.of("src/main/java"));
        assertThat(violations).as("imports against the package direction (docs/architecture.md)").isEmpty();
    }

    @Test
    void theAllowedDirectionHasNoCycle() {
        for (String start : ALLOWED.keySet()) {
            Set<String> reachable = new TreeSet<>();
            List<String> todo = new ArrayList<>(ALLOWED.get(start));
            while (!todo.isEmpty()) {
                String next = todo.remove(todo.size() - 1);
                if (reachable.add(next)) {
                    todo.addAll(ALLOWED.getOrDefault(next, Set.of()));
                }
            }
            assertThat(reachable).as("packages reachable from '%s'", start).doesNotContain(start);
            assertThat(ALLOWED.keySet()).as("rules for every package '%s' may import", start).containsAll(reachable);
        }
    }

    @Test
    void theCheckFindsUpwardImportsQualifiedNamesUnknownPackagesAndCommandsOutsideCli(@TempDir Path tmp)
            throws IOException {
        write(tmp, "retrieval/dense/Trainer.java", """
                package com.lawyerllama.retrieval.dense;
                import com.lawyerllama.training.TrainingRun;
                class Trainer {}
                """);
        write(tmp, "system/Handler.java", """
                package com.lawyerllama.system;
                class Handler { int retry = com.lawyerllama.elasticsearch.ElasticsearchStatus.RETRY_AFTER_SECONDS; }
                """);
        write(tmp, "llama/Bench.java", """
                package com.lawyerllama.llama;
                import static com.lawyerllama.cli.Launcher.run;
                @picocli.CommandLine.Command(name = "bench")
                class Bench {}
                """);
        write(tmp, "gadgets/Gadget.java", """
                package com.lawyerllama.gadgets;
                class Gadget {}
                """);
        write(tmp, "retrieval/Fine.java", """
                package com.lawyerllama.retrieval;
                import com.lawyerllama.law.Article;
                import com.lawyerllama.retrieval.dense.Trainer;
                class Fine {}
                """);

        assertThat(violations(tmp)).containsExactlyInAnyOrder(
                "retrieval/dense/Trainer.java: retrieval must not import training",
                "system/Handler.java: system must not import elasticsearch",
                "llama/Bench.java: llama must not import cli",
                "llama/Bench.java: picocli is used only in cli (every subcommand is a class in cli/)",
                "gadgets/Gadget.java: package gadgets has no place in PackageDirectionTest.ALLOWED");
    }

    /** Every reference against {@link #ALLOWED} in the Java sources under {@code root} (the com/lawyerllama tree). */
    static List<String> violations(Path sourceRoot) {
        Path root = sourceRoot.resolve(ROOT.replace('.', '/'));
        if (!Files.isDirectory(root)) {
            root = sourceRoot;
        }
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Path relative = root.relativize(file);
                String own = relative.getNameCount() == 1 ? "" : relative.getName(0).toString();
                String name = relative.toString().replace('\\', '/');
                Set<String> allowed = ALLOWED.get(own);
                if (allowed == null) {
                    violations.add(name + ": package " + own + " has no place in PackageDirectionTest.ALLOWED");
                    continue;
                }
                String source = Files.readString(file);
                Set<String> reported = new HashSet<>();
                Matcher m = REFERENCE.matcher(source);
                while (m.find()) {
                    String target = m.group(1).isEmpty() ? "" : m.group(1).substring(1);
                    if (!target.equals(own) && !target.isEmpty() && !allowed.contains(target) && reported.add(target)) {
                        violations.add(name + ": " + (own.isEmpty() ? "(root)" : own) + " must not import " + target);
                    }
                }
                if (!own.equals("cli") && PICOCLI.matcher(source).find()) {
                    violations.add(name + ": picocli is used only in cli (every subcommand is a class in cli/)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return violations;
    }

    private static void write(Path root, String relative, String source) throws IOException {
        Path file = root.resolve(ROOT.replace('.', '/')).resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, source);
    }
}
