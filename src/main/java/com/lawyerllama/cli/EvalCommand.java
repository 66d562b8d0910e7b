package com.lawyerllama.cli;

import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.llama.AtomicFiles;
import com.lawyerllama.retrieval.RetrievalEvaluation;
import com.lawyerllama.retrieval.RetrievalProperties;
import com.lawyerllama.retrieval.dense.DenseTimings;
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
                    "(Lawyer LLaMA {query, laws} files, LawBench 3-2). Needs the article index (see import);",
                    "dense and fused modes need a retriever model and its vectors (see embed)."
            })
    static final class Retrieval implements Callable<Integer> {
        private static final JsonMapper JSON = JsonMapper.builder().build();

        @Option(names = "--set", required = true, paramLabel = "FILE", description = "Labelled set; repeat for several.")
        List<Path> sets;

        @Option(names = "--k", split = ",", defaultValue = "1,3,5", paramLabel = "K", description = "Cut-offs (default 1,3,5).")
        int[] ks;

        @Option(names = "--split", defaultValue = "dev", description = "dev (held-out fifth, the default), train, validation (the train-split questions the retriever model did not train on) or all.")
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

        @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties.")
        List<String> springArgs = new ArrayList<>();

        @Override
        public Integer call() throws java.io.IOException {
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
            try (ConfigurableApplicationContext context = HeadlessSpring.start(springArgs)) {
                context.getBean(ElasticsearchStatus.class).refresh();
                RetrievalEvaluation evaluation = context.getBean(RetrievalEvaluation.class);
                List<RetrievalProperties.Mode> compared = modes == null || modes.isEmpty()
                        ? List.of(evaluation.configuredMode()) : modes.stream().distinct().toList();
                compared.forEach(evaluation::requireAnswerable);
                if (warmUpSeconds > 0) {
                    System.err.printf("warming up for %d s …%n", warmUpSeconds);
                    int searches = evaluation.warmUp(sets, split, compared, java.time.Duration.ofSeconds(warmUpSeconds));
                    System.err.printf("warm-up: %d untimed searches%n", searches);
                }
                List<RetrievalEvaluation.Result> results = new ArrayList<>();
                StringBuilder outcomes = new StringBuilder();
                java.util.function.Consumer<RetrievalEvaluation.QuestionOutcome> keep = questionsFile == null
                        ? outcome -> { }
                        : outcome -> outcomes.append(JSON.writeValueAsString(outcome)).append('\n');
                for (Path set : sets) {
                    for (RetrievalProperties.Mode mode : compared) {
                        results.add(evaluation.evaluate(set, ks, split, mode, keep));
                    }
                }
                if (questionsFile != null) {
                    AtomicFiles.writeString(questionsFile, outcomes.toString());
                    System.err.printf("question outcomes: %s%n", questionsFile);
                }
                if (json) {
                    System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(results));
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
                }
                return 0;
            }
        }
    }
}
