package com.lawyerllama.evaluation;

import com.lawyerllama.llama.AtomicFiles;
import com.lawyerllama.llama.PromptFormat;
import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.chat.ChatFormats;
import com.lawyerllama.llama.chat.ChatMessage;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code eval model}: scores a checkpoint on the named tasks, each question by the
 * log-likelihood of its options ({@link LogLikelihoodScorer}), the highest wins. Reports
 * accuracy with a 95% Wilson interval, the length-normalised accuracy (log-likelihood divided
 * by the option's characters) as a second figure, the chance level (the mean of 1 / options),
 * and every record that could not be scored, with its position.
 */
public final class ModelEvaluation {
    public static final int MAX_LIMIT = 100_000;
    public static final int MAX_SHOTS = 5;
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int PROBLEMS_KEPT = 20;

    private ModelEvaluation() {
    }

    /**
     * How to evaluate.
     *
     * @param tasks task names ({@link EvalTasks})
     * @param limit at most this many items per task (the first ones, in file order); null for all
     * @param shots solved examples (the next items of the same task) put before each question
     * @param chat  put the question inside the model's chat format: its own chat template, else Lawyer LLaMA's turns
     */
    public record Options(List<String> tasks, Integer limit, int shots, boolean chat) {
        public Options {
            tasks = tasks == null ? List.of() : List.copyOf(tasks);
        }

        /** The problems with these options; empty when they can run. */
        public void validate() {
            EvalTasks.named(tasks);
            if (limit != null && (limit < 1 || limit > MAX_LIMIT)) {
                throw new EvaluationException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
            }
            if (shots < 0 || shots > MAX_SHOTS) {
                throw new EvaluationException("shots must be between 0 and " + MAX_SHOTS + ", got " + shots);
            }
        }
    }

    /**
     * One task's figures.
     *
     * @param accuracy           share of items whose highest-likelihood option is the gold one
     * @param accuracyLow        95% Wilson interval
     * @param accuracyNormalized the same with each option's log-likelihood divided by its length in characters
     * @param chance             expected accuracy of a uniform random pick (mean of 1 / options)
     * @param malformed          records that could not be scored (the first {@code problems} listed)
     * @param excluded           well-formed records the task does not score, by reason
     */
    public record TaskResult(String task, String group, int n, int correct, double accuracy, double accuracyLow,
                             double accuracyHigh, int correctNormalized, double accuracyNormalized,
                             double accuracyNormalizedLow, double accuracyNormalizedHigh, double chance,
                             double seconds, int malformed, List<String> problems, Map<String, Integer> excluded) {
        /** Whether the interval includes the chance level: the model is not shown to do better than guessing. */
        public boolean atChance() {
            return n == 0 || accuracyLow <= chance;
        }
    }

    public record Report(String model, Instant startedAt, Options options, List<TaskResult> tasks, boolean cancelled) {
    }

    /** Progress: items scored of the current task. */
    @FunctionalInterface
    public interface Progress {
        void update(String task, int done, int total);
    }

    /**
     * Evaluates with an already loaded scorer.
     *
     * @param items where to write one JSON line per item (the exact ids and log-probabilities), or null
     */
    public static Report run(LogLikelihoodScorer scorer, String modelName, Path dataRoot, Options options, Path items,
                             Progress progress, BooleanSupplier cancelled) {
        options.validate();
        List<EvalTask> tasks = EvalTasks.named(options.tasks());
        if (dataRoot == null || !Files.isDirectory(dataRoot)) {
            throw new EvaluationException("data root not found: " + dataRoot);
        }
        // Read every task before scoring any, so a missing file is reported at once.
        Map<EvalTask, TaskData> data = new LinkedHashMap<>();
        for (EvalTask task : tasks) {
            data.put(task, task.read(dataRoot));
        }
        // The checkpoint's own chat format (modelName is the checkpoint's path), read once.
        ChatFormat chat = options.chat() ? ChatFormats.forModel(Path.of(modelName), scorer.tokenizer(), ChatFormats.AUTO,
                Map.of("enable_thinking", false)) : null;
        Instant started = Instant.now();
        List<TaskResult> results = new ArrayList<>();
        boolean stopped = false;
        try (ItemsFile out = items == null ? null : new ItemsFile(items)) {
            for (Map.Entry<EvalTask, TaskData> e : data.entrySet()) {
                if (cancelled.getAsBoolean()) {
                    stopped = true;
                    break;
                }
                TaskResult r = runTask(scorer, e.getKey(), e.getValue(), options, chat, out, progress, cancelled);
                results.add(r);
                stopped = cancelled.getAsBoolean();
            }
            if (out != null && !stopped) {
                out.commit();
            }
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return new Report(modelName, started, options, results, stopped);
    }

    private static TaskResult runTask(LogLikelihoodScorer scorer, EvalTask task, TaskData data, Options options,
                                      ChatFormat chat, ItemsFile out, Progress progress, BooleanSupplier cancelled) throws IOException {
        long t0 = System.nanoTime();
        List<EvalItem> all = data.items();
        int n = options.limit() == null ? all.size() : Math.min(options.limit(), all.size());
        List<String> problems = new ArrayList<>();
        data.malformed().forEach(p -> problems.add(p.toString()));
        int malformed = data.malformed().size();
        int scored = 0;
        int correct = 0;
        int correctNorm = 0;
        double chance = 0;
        for (int i = 0; i < n; i++) {
            if (cancelled.getAsBoolean()) {
                break;
            }
            EvalItem item = prompt(all, i, options, chat);
            List<LogLikelihoodScorer.ScoredOption> scoredOptions;
            try {
                scoredOptions = scorer.score(item.context(), item.options());
            } catch (IllegalArgumentException ex) {
                malformed++;
                problems.add(task.name() + " item " + item.id() + ": " + ex.getMessage());
                progress.update(task.name(), i + 1, n);
                continue;
            }
            int best = 0;
            int bestNorm = 0;
            double[] norm = new double[scoredOptions.size()];
            for (int o = 0; o < scoredOptions.size(); o++) {
                norm[o] = scoredOptions.get(o).logprob() / item.options().get(o).codePointCount(0, item.options().get(o).length());
                if (scoredOptions.get(o).logprob() > scoredOptions.get(best).logprob()) {
                    best = o;
                }
                if (norm[o] > norm[bestNorm]) {
                    bestNorm = o;
                }
            }
            scored++;
            correct += best == item.gold() ? 1 : 0;
            correctNorm += bestNorm == item.gold() ? 1 : 0;
            chance += 1.0 / item.options().size();
            if (out != null) {
                out.write(task.name(), item, scoredOptions, norm, best, bestNorm);
            }
            progress.update(task.name(), i + 1, n);
        }
        double[] ci = wilson(correct, scored);
        double[] ciNorm = wilson(correctNorm, scored);
        return new TaskResult(task.name(), task.group(), scored, correct, ratio(correct, scored), ci[0], ci[1], correctNorm,
                ratio(correctNorm, scored), ciNorm[0], ciNorm[1], scored == 0 ? 0 : chance / scored,
                (System.nanoTime() - t0) / 1e9, malformed, problems.subList(0, Math.min(PROBLEMS_KEPT, problems.size())),
                data.excluded());
    }

    /** Item {@code i} with its few-shot examples (the next items of the task, cyclically) and chat format applied. */
    static EvalItem prompt(List<EvalItem> all, int i, Options options, ChatFormat chat) {
        EvalItem item = all.get(i);
        StringBuilder context = new StringBuilder();
        for (int k = 1; k <= options.shots() && k < all.size(); k++) {
            EvalItem example = all.get((i + k) % all.size());
            context.append(example.context()).append(example.options().get(example.gold())).append("\n\n");
        }
        context.append(item.context());
        if (chat == null) {
            return item.withContext(context.toString());
        }
        return item.withContext(chat.render(List.of(ChatMessage.system(PromptFormat.SYSTEM_PROMPT),
                ChatMessage.user(context.toString())), true));
    }

    private static double ratio(int a, int b) {
        return b == 0 ? 0 : (double) a / b;
    }

    /** 95% Wilson score interval of k successes in n. */
    static double[] wilson(int k, int n) {
        if (n == 0) {
            return new double[] {0, 1};
        }
        double z = 1.959963984540054;
        double p = (double) k / n;
        double denom = 1 + z * z / n;
        double centre = (p + z * z / (2.0 * n)) / denom;
        double half = z * Math.sqrt(p * (1 - p) / n + z * z / (4.0 * n * n)) / denom;
        return new double[] {Math.max(0, centre - half), Math.min(1, centre + half)};
    }

    /** The items file, written to a temporary sibling and renamed into place when the run completes. */
    private static final class ItemsFile implements AutoCloseable {
        private final Path target;
        private final Path tmp;
        private final BufferedWriter writer;

        ItemsFile(Path target) throws IOException {
            this.target = target;
            this.tmp = target.resolveSibling(target.getFileName() + ".tmp");
            this.writer = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8);
        }

        void write(String task, EvalItem item, List<LogLikelihoodScorer.ScoredOption> scored, double[] norm, int best,
                   int bestNorm) throws IOException {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("task", task);
            line.put("id", item.id());
            line.put("gold", item.labels().get(item.gold()));
            line.put("predicted", item.labels().get(best));
            line.put("predictedNormalized", item.labels().get(bestNorm));
            line.put("correct", best == item.gold());
            List<Map<String, Object>> opts = new ArrayList<>();
            for (int o = 0; o < scored.size(); o++) {
                LogLikelihoodScorer.ScoredOption s = scored.get(o);
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("label", item.labels().get(o));
                m.put("text", item.options().get(o));
                m.put("context", s.context());
                m.put("continuation", s.continuation());
                m.put("logprob", s.logprob());
                m.put("tokenLogprobs", s.tokenLogprobs());
                m.put("normalized", norm[o]);
                opts.add(m);
            }
            line.put("options", opts);
            writer.write(JSON.writeValueAsString(line));
            writer.write('\n');
        }

        void commit() throws IOException {
            writer.flush();
            writer.close();
            AtomicFiles.move(tmp, target);
        }

        @Override
        public void close() throws IOException {
            writer.close();
            Files.deleteIfExists(tmp);
        }
    }
}
