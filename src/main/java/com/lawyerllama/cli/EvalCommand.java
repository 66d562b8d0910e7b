package com.lawyerllama.cli;

import com.lawyerllama.consult.QueryAssist;
import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.llama.AtomicFiles;
import com.lawyerllama.retrieval.RetrievalEvaluation;
import com.lawyerllama.retrieval.RetrievalProperties;
import com.lawyerllama.retrieval.dense.DenseTimings;
import com.lawyerllama.system.Percentiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.json.JsonMapper;

/** Evaluations: {@code eval retrieval --set FILE}. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluates a component on labelled data.",
        subcommands = {EvalCommand.Retrieval.class, EvalModelCommand.class, EvalAnswersCommand.class})
public final class EvalCommand implements Runnable {

    @Override
    public void run() {
        throw new UsageException("name what to evaluate: eval retrieval --set FILE (see eval --help)");
    }

    @Command(name = "retrieval", mixinStandardHelpOptions = true,
            description = {
                    "Recall@k, hit@3, MRR and latency of the article retriever on labelled sets",
                    "(Lawyer LLaMA {query, laws} files, LawBench 3-2, answers citing articles) or on the all-law",
                    "collection (--collection all-law), with recall per area of law for every mode side by side.",
                    "Needs the article index (see import); dense and fused modes need a retriever model and its",
                    "vectors (see embed)."
            })
    static final class Retrieval implements Callable<Integer> {
        private static final JsonMapper JSON = JsonMapper.builder().build();

        @Option(names = "--set", paramLabel = "FILE", description = "Labelled set; repeat for several.")
        List<Path> sets = new ArrayList<>();

        @Option(names = "--collection", paramLabel = "NAME",
                description = "all-law: the all-law dev collection (LawBench 3-2's questions the retriever never trained on, "
                        + "and the articles that reference answers cite: LawBench 3-5, fakao_gpt4, judical_examination, "
                        + "legal_advice, DISC qa_short_answer), read from --data-root; instead of --set.")
        String collection;

        @Option(names = "--data-root", defaultValue = "../shared/data", paramLabel = "DIR",
                description = "Where the all-law collection's sets lie (default ../shared/data).")
        Path dataRoot;

        @Option(names = "--k", split = ",", defaultValue = "1,3,5", paramLabel = "K", description = "Cut-offs (default 1,3,5).")
        int[] ks;

        @Option(names = "--split", defaultValue = "dev", description = "dev (the held-out part, the default), train, validation "
                + "(the questions for choosing settings, which the retriever model did not train on) or all.")
        RetrievalEvaluation.Split split;

        @Option(names = "--mode", split = ",", paramLabel = "MODE",
                description = "Retrieval modes to compare, e.g. bm25,dense,fused: one row per set per mode "
                        + "(default: lawyer.retrieval.mode, or bm25 while dense retrieval cannot answer).")
        List<RetrievalProperties.Mode> modes;

        @Option(names = "--warm-up", defaultValue = "30", paramLabel = "SECONDS",
                description = "Seconds of untimed searches before the timed ones (default 30; 0: none), so that latency is a warm service's.")
        int warmUpSeconds;

        @Option(names = "--json", description = "Print JSON instead of a table.")
        boolean json;

        @Option(names = "--questions", paramLabel = "FILE",
                description = "Also write each question's outcome to FILE as JSON lines (set, mode, question, gold and retrieved citations, how many gold articles the top 3 found).")
        Path questionsFile;

        @Option(names = "--rewrite", arity = "0..1", fallbackValue = "rewrite", paramLabel = "MODE",
                description = "Also evaluate model-assisted queries: the answering model rewrites each question in legal terms "
                        + "(rewrite, the default) or drafts an answer (draft), and the search runs on the question and that text; "
                        + "rows MODE+rewrite beside the plain ones, the model's time included in the latency.")
        String rewrite;

        @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties.")
        List<String> springArgs = new ArrayList<>();

        @Override
        public Integer call() throws java.io.IOException {
            if (sets.isEmpty() == (collection == null)) {
                throw new UsageException("give either --set FILE (repeatable) or --collection all-law");
            }
            if (collection != null && !collection.equals("all-law")) {
                throw new UsageException("--collection: the only collection is all-law");
            }
            if (collection != null && !Files.isDirectory(dataRoot)) {
                throw new UsageException("--data-root: no such directory: " + dataRoot);
            }
            for (Path set : sets) {
                if (!Files.isRegularFile(set)) {
                    throw new UsageException("labelled set not found: " + set);
                }
            }
            if (questionsFile != null && !Files.isDirectory(questionsFile.toAbsolutePath().getParent())) {
                throw new UsageException("--questions: no such directory: " + questionsFile.toAbsolutePath().getParent());
            }
            if (warmUpSeconds < 0 || warmUpSeconds > 3600) {
                throw new UsageException("--warm-up must be between 0 and 3600 seconds");
            }
            if (Arrays.stream(ks).anyMatch(k -> k < 1 || k > 20)) {
                throw new UsageException("--k values must be between 1 and 20");
            }
            QueryAssist.Mode assistMode = null;
            if (rewrite != null) {
                assistMode = switch (rewrite.strip().toLowerCase(java.util.Locale.ROOT)) {
                    case "rewrite" -> QueryAssist.Mode.REWRITE;
                    case "draft" -> QueryAssist.Mode.DRAFT;
                    default -> throw new UsageException("--rewrite must be rewrite or draft, not '" + rewrite + "'");
                };
            }
            try (ConfigurableApplicationContext context = HeadlessSpring.start(springArgs)) {
                context.getBean(ElasticsearchStatus.class).refresh();
                RetrievalEvaluation evaluation = context.getBean(RetrievalEvaluation.class);
                List<RetrievalEvaluation> evaluations = new ArrayList<>(List.of(evaluation));
                AssistTally tally = new AssistTally();
                if (assistMode != null) {
                    QueryAssist assist = context.getBean(QueryAssist.class);
                    QueryAssist.Mode m = assistMode;
                    evaluations.add(evaluation.withQueries(q -> tally.add(assist.expand(q, m)), m.label()));
                }
                List<RetrievalProperties.Mode> compared = modes == null || modes.isEmpty()
                        ? List.of(evaluation.configuredMode()) : modes.stream().distinct().toList();
                compared.forEach(evaluation::requireAnswerable);
                if (warmUpSeconds > 0) {
                    System.err.printf("warming up for %d s …%n", warmUpSeconds);
                    java.time.Duration warmUp = java.time.Duration.ofSeconds(warmUpSeconds);
                    int searches = collection != null
                            ? evaluation.warmUp(evaluation.collectionWarmUpQuestions(dataRoot, split), compared, warmUp)
                            : evaluation.warmUp(sets, split, compared, warmUp);
                    System.err.printf("warm-up: %d untimed searches%n", searches);
                }
                List<RetrievalEvaluation.Result> results = new ArrayList<>();
                StringBuilder outcomes = new StringBuilder();
                java.util.function.Consumer<RetrievalEvaluation.QuestionOutcome> keep = questionsFile == null
                        ? outcome -> { }
                        : outcome -> outcomes.append(JSON.writeValueAsString(outcome)).append('\n');
                for (RetrievalEvaluation e : evaluations) {
                    if (collection != null) {
                        for (RetrievalProperties.Mode mode : compared) {
                            results.addAll(e.evaluateCollection(dataRoot, ks, split, mode, keep));
                        }
                    }
                    for (Path set : sets) {
                        for (RetrievalProperties.Mode mode : compared) {
                            results.add(e.evaluate(set, ks, split, mode, keep));
                        }
                    }
                }
                if (assistMode != null) {
                    System.err.println(tally.summary(assistMode));
                }
                if (questionsFile != null) {
                    AtomicFiles.writeString(questionsFile, outcomes.toString());
                    System.err.printf("question outcomes: %s%n", questionsFile);
                }
                if (json) {
                    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                            java.util.Map.of("results", results, "byArea", RetrievalEvaluation.AreaResult.combine(results))));
                } else {
                    StringBuilder header = new StringBuilder(String.format("%-48s %-10s %-6s %5s", "set", "split", "mode", "n"));
                    for (int k : ks) {
                        header.append(String.format(" %8s", "R@" + k));
                    }
                    header.append(String.format(" %7s %7s %8s %8s %10s", "hit@3", "MRR", "p50 ms", "p99 ms", "unresolved"));
                    System.out.println(header);
                    for (RetrievalEvaluation.Result r : results) {
                        StringBuilder line = new StringBuilder(String.format("%-48s %-10s %-6s %5d", r.set(), r.split(),
                                r.mode(), r.questions()));
                        for (int k : ks) {
                            line.append(String.format(" %8.3f", r.recallAtK().get(k)));
                        }
                        line.append(String.format(" %7.3f %7.3f %8.1f %8.1f %4d/%-5d", r.hitAt3(), r.mrr(),
                                r.latencyP50Ms(), r.latencyP99Ms(), r.unresolvedGold(), r.goldReferences()));
                        System.out.println(line);
                    }
                    if (results.stream().anyMatch(r -> r.densePath() != null && r.densePath().searches() > 0)) {
                        // The dense half's own time: encoding the question, the kNN request, and Elasticsearch's part of that.
                        System.out.println();
                        System.out.println(String.format("%-48s %-10s %-6s %8s %11s %11s %11s %11s %11s %11s", "dense path",
                                "split", "mode", "searches", "encode p50", "encode p99", "kNN p50", "kNN p99", "ES took p50",
                                "ES took p99"));
                        for (RetrievalEvaluation.Result r : results) {
                            DenseTimings.Summary d = r.densePath();
                            if (d != null && d.searches() > 0) {
                                System.out.println(String.format("%-48s %-10s %-6s %8d %11.1f %11.1f %11.1f %11.1f %11.1f %11.1f",
                                        r.set(), r.split(), r.mode(), d.searches(), d.encodeP50Ms(), d.encodeP99Ms(), d.knnP50Ms(),
                                        d.knnP99Ms(), d.tookP50Ms(), d.tookP99Ms()));
                            }
                        }
                    }
                    printAreas(results);
                }
                return 0;
            }
        }
    
        /**
         * Recall per area of law over every evaluated question, the modes side by side, then the macro
         * average over the areas that have questions (each area counting once) and over all questions.
         */
        private void printAreas(List<RetrievalEvaluation.Result> results) {
            List<RetrievalEvaluation.AreaResult> areas = RetrievalEvaluation.AreaResult.combine(results);
            if (areas.isEmpty()) {
                return;
            }
            List<String> modeLabels = results.stream().map(RetrievalEvaluation.Result::mode).distinct().toList();
            int width = Math.max(11, modeLabels.stream().mapToInt(String::length).max().orElse(0) + 4);
            String text = " %" + width + "s";
            String number = " %" + width + ".3f";
            System.out.println();
            StringBuilder header = new StringBuilder(String.format("%-14s %5s", "area", "n"));
            for (String mode : modeLabels) {
                for (int k : ks) {
                    header.append(String.format(text, mode + " R@" + k));
                }
            }
            System.out.println(header);
            java.util.Map<String, double[]> macro = new java.util.LinkedHashMap<>();
            java.util.Map<String, double[]> micro = new java.util.LinkedHashMap<>();
            int areaCount = 0;
            int questions = 0;
            for (String area : areas.stream().map(RetrievalEvaluation.AreaResult::area).distinct().toList()) {
                List<RetrievalEvaluation.AreaResult> rows = areas.stream().filter(a -> a.area().equals(area)).toList();
                int n = rows.get(0).questions();
                // Pad by display width: a CJK character takes two columns.
                StringBuilder line = new StringBuilder(area).append(" ".repeat(Math.max(1, 15 - displayWidth(area))));
                line.append(String.format("%5d", n));
                for (String mode : modeLabels) {
                    RetrievalEvaluation.AreaResult row = rows.stream().filter(a -> a.mode().equals(mode)).findFirst().orElse(null);
                    double[] macroSums = macro.computeIfAbsent(mode, m -> new double[ks.length]);
                    double[] microSums = micro.computeIfAbsent(mode, m -> new double[ks.length]);
                    for (int i = 0; i < ks.length; i++) {
                        double recall = row == null ? Double.NaN : row.recallAtK().get(ks[i]);
                        line.append(String.format(number, recall));
                        macroSums[i] += recall;
                        microSums[i] += recall * n;
                    }
                }
                areaCount++;
                questions += n;
                System.out.println(line);
            }
            StringBuilder macroLine = new StringBuilder(String.format("%-14s %5d", "macro (areas)", areaCount));
            StringBuilder microLine = new StringBuilder(String.format("%-14s %5d", "all questions", questions));
            for (String mode : modeLabels) {
                for (int i = 0; i < ks.length; i++) {
                    macroLine.append(String.format(number, macro.get(mode)[i] / areaCount));
                    microLine.append(String.format(number, micro.get(mode)[i] / questions));
                }
            }
            System.out.println(macroLine);
            System.out.println(microLine);
            int k = Arrays.stream(ks).anyMatch(x -> x == 3) ? 3 : ks[0];
            for (String mode : modeLabels) {
                if (!mode.equals("bm25") && modeLabels.contains("bm25")) {
                    List<String> below = RetrievalEvaluation.AreaResult.areasBelow(areas, mode, "bm25", k);
                    System.out.printf("%s below bm25 at R@%d: %s%n", mode, k, below.isEmpty() ? "no area" : String.join(", ", below));
                }
            }
        }

        private static int displayWidth(String text) {
            return text.codePoints().map(c -> c >= 0x1100 ? 2 : 1).sum();
        }

        /** What model-assisted queries did over an evaluation: how many questions got text, how many fell back, the model's time. */
        static final class AssistTally {
            private final java.util.concurrent.atomic.AtomicInteger assisted = new java.util.concurrent.atomic.AtomicInteger();
            private final java.util.concurrent.atomic.AtomicInteger fellBack = new java.util.concurrent.atomic.AtomicInteger();
            private final List<Double> millis = java.util.Collections.synchronizedList(new ArrayList<>());
            private final java.util.Map<String, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();

            String add(QueryAssist.Assisted a) {
                (a.added() == null ? fellBack : assisted).incrementAndGet();
                if (a.failure() != null) {
                    // Grouped by kind: numbers (token counts, milliseconds) left out.
                    String kind = a.failure().replaceAll("\\d+", "N");
                    failures.merge(kind.length() > 100 ? kind.substring(0, 100) : kind, 1, Integer::sum);
                }
                millis.add((double) a.millis());
                return a.query();
            }

            String summary(QueryAssist.Mode mode) {
                List<Double> sorted = millis.stream().sorted().toList();
                return String.format(java.util.Locale.ROOT, "query assistance (%s): %d questions with the model's text, %d searched as they are; "
                        + "model ms p50 %.0f, p99 %.0f%s", mode.label(), assisted.get(), fellBack.get(),
                        Percentiles.of(sorted, 0.5), Percentiles.of(sorted, 0.99), failures.isEmpty() ? "" : "; " + failures);
            }
        }
    }
}
