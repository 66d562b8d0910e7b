package com.lawyerllama.cli;

import com.lawyerllama.evaluation.EvalTask;
import com.lawyerllama.evaluation.EvalTasks;
import com.lawyerllama.evaluation.EvaluationException;
import com.lawyerllama.evaluation.LogLikelihoodScorer;
import com.lawyerllama.evaluation.ModelEvaluation;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/** {@code eval model}: a checkpoint's accuracy on general and legal multiple-choice tasks. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = {
                "Scores a model on multiple-choice tasks by each option's log-likelihood (summed over its tokens;",
                "length-normalised as a second figure). Prints accuracy with a 95% interval, the chance level and",
                "the time per task. Tasks: c3, ocnli, piqa, sst2, mrpc (general), jec-qa, disc-objective, charge (legal)."
        })
public final class EvalModelCommand implements Callable<Integer> {
    private static final JsonMapper JSON = JsonMapper.builder().findAndAddModules().build();

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory (as generate takes it).")
    Path model;

    @Option(names = "--task", required = true, split = ",", paramLabel = "T", description = "Tasks, comma-separated.")
    List<String> tasks;

    @Option(names = "--limit", paramLabel = "N", description = "At most N items per task (the first ones; default all).")
    Integer limit;

    @Option(names = "--shots", defaultValue = "0", paramLabel = "K", description = "Solved examples before each question (default 0).")
    int shots;

    @Option(names = "--chat", description = "Put each question inside the model's chat format.")
    boolean chat;

    @Option(names = "--items", paramLabel = "FILE", description = "Write each item's exact token ids and log-probabilities to FILE (JSON lines).")
    Path items;

    @Option(names = "--data", defaultValue = "../shared/data", paramLabel = "DIR", description = "Data root (default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch threads (0 = engine default).")
    int threads;

    @Option(names = "--context", defaultValue = "4096", description = "Longest sequence in tokens (capped by the model's; default ${DEFAULT-VALUE}).")
    int context;

    @Override
    public Integer call() throws Exception {
        LlamaCli.logToStderr(false);
        LlamaCli.threads(threads);
        ModelEvaluation.Options options = new ModelEvaluation.Options(tasks, limit, shots, chat);
        try {
            options.validate();
            if (!Files.isDirectory(data)) {
                throw new EvaluationException("--data: not a directory: " + data);
            }
            if (items != null && !Files.isDirectory(items.toAbsolutePath().getParent())) {
                throw new EvaluationException("--items: no such directory: " + items.toAbsolutePath().getParent());
            }
            if (context < 16) {
                throw new EvaluationException("--context must be at least 16 tokens");
            }
            for (EvalTask task : EvalTasks.named(tasks)) {
                task.read(data);     // a missing or unreadable data file is reported before the model loads
            }
        } catch (EvaluationException e) {
            throw new UsageException(e.getMessage());
        }
        ModelEvaluation.Report report;
        try (LogLikelihoodScorer scorer = load()) {
            ProgressBar[] bar = new ProgressBar[1];
            String[] current = new String[1];
            report = ModelEvaluation.run(scorer, model.toString(), data, options, items, (task, done, total) -> {
                if (!task.equals(current[0])) {
                    if (bar[0] != null) {
                        bar[0].done();
                    }
                    current[0] = task;
                    bar[0] = new ProgressBar(task);
                }
                bar[0].update(done, total);
            }, () -> false);
            if (bar[0] != null) {
                bar[0].done();
            }
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report));
        } else {
            out.print(table(report.tasks()));
        }
        if (items != null) {
            System.err.printf("items: %s%n", items);
        }
        return 0;
    }

    private LogLikelihoodScorer load() {
        try {
            return LogLikelihoodScorer.load(model, context);
        } catch (EvaluationException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** The table: task, n, accuracy [95% interval], normalised accuracy, chance (* where the interval reaches it), seconds. */
    static String table(List<ModelEvaluation.TaskResult> results) {
        StringBuilder s = new StringBuilder(String.format("%-15s %6s %-22s %-22s %7s %8s %9s%n", "task", "n",
                "accuracy [95% CI]", "len-norm [95% CI]", "chance", "seconds", "malformed"));
        List<String> notes = new ArrayList<>();
        for (ModelEvaluation.TaskResult r : results) {
            s.append(String.format("%-15s %6d %-22s %-22s %7.3f %8.1f %9d%n", r.task(), r.n(),
                    String.format("%.3f [%.3f, %.3f]%s", r.accuracy(), r.accuracyLow(), r.accuracyHigh(), r.atChance() ? "*" : ""),
                    String.format("%.3f [%.3f, %.3f]", r.accuracyNormalized(), r.accuracyNormalizedLow(), r.accuracyNormalizedHigh()),
                    r.chance(), r.seconds(), r.malformed()));
            for (Map.Entry<String, Integer> e : r.excluded().entrySet()) {
                notes.add(r.task() + ": " + e.getValue() + " excluded (" + e.getKey() + ")");
            }
            r.problems().forEach(p -> notes.add(r.task() + ": malformed: " + p));
            if (r.malformed() > r.problems().size()) {
                notes.add(r.task() + ": … " + (r.malformed() - r.problems().size()) + " more malformed");
            }
        }
        s.append("* the 95% interval reaches the chance level: not shown to be better than guessing\n");
        notes.forEach(n -> s.append(n).append('\n'));
        return s.toString();
    }
}
