package com.lawyerllama.cli;

import com.lawyerllama.cli.UsageException;
import com.lawyerllama.retrieval.DistractorArticles;
import com.lawyerllama.training.BaseModel;
import com.lawyerllama.training.RandomStatuteDistractors;
import com.lawyerllama.training.RunStatus;
import com.lawyerllama.training.TrainingPlan;
import com.lawyerllama.training.TrainingRun;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code train --plan tiny --base random --out runs/tiny}: runs a plan headless, with a progress
 * bar on stderr. The same {@link TrainingRun} as the admin API; no Spring. Running it again on the
 * same {@code --out} resumes from the last checkpoint.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Run a training plan (stages S1 → S12) headless; resumes when --out holds an unfinished run.")
public final class TrainCommand implements Callable<Integer> {

    @Option(names = "--plan", required = true, paramLabel = "FILE|NAME", description = "Plan JSON file, or a built-in plan: tiny, default, default-model, retriever, retriever-bge, retriever-distil.")
    String plan;

    @Option(names = "--base", required = true, paramLabel = "DIR|random", description = "Model directory to start from, or 'random'.")
    String base;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory (state, metrics, checkpoints).")
    Path out;

    @Option(names = "--data-root", defaultValue = "../shared/data", description = "Root that plan paths are relative to (default ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--shape", defaultValue = "dim=64,layers=2,heads=4,kv=2,hidden=172",
            description = "Shape for --base random (default ${DEFAULT-VALUE}).")
    String shape;

    @Option(names = "--tokenizer", defaultValue = "models/stories260K/tok512.bin",
            description = "Tokenizer for --base random, relative to the data root or absolute (default ${DEFAULT-VALUE}).")
    String tokenizer;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (0: engine default).")
    int threads;

    @Override
    public Integer call() throws Exception {
        // stdout carries only the final checkpoint's path; the engine's log lines went there too.
        com.lawyerllama.cli.LlamaCli.logToStderr(false);
        com.lawyerllama.cli.LlamaCli.threads(threads);
        PrintStream err = System.err;
        if (!Files.isRegularFile(out.resolve(TrainingRun.STATE))) {
            TrainingPlan p = loadPlan(plan);
            BaseModel b = base.equals("random") ? randomBase(shape, tokenizer) : BaseModel.directory(base);
            List<String> problems = new java.util.ArrayList<>(p.validate(dataRoot));
            problems.addAll(b.validate(dataRoot));
            if (!problems.isEmpty()) {
                throw new UsageException("the plan cannot run:\n  " + String.join("\n  ", problems));
            }
            TrainingRun.create(out, out.getFileName().toString(), p, b);
        } else {
            err.println("resuming the run in " + out);
        }
        return execute(out, dataRoot, new RandomStatuteDistractors(dataRoot.resolve("laws")), err);
    }

    /** Runs (or resumes) the run in {@code out} with a progress bar; prints the stage summary and the final checkpoint. */
    public static int execute(Path out, Path dataRoot, DistractorArticles distractors, PrintStream err) throws java.io.IOException {
        ProgressBar bar = new ProgressBar(err);
        TrainingRun run = new TrainingRun(out, dataRoot, distractors, bar, () -> false);
        run.execute();
        bar.finish();
        RunStatus s = run.status();
        for (RunStatus.StageSummary st : s.stages) {
            err.printf(Locale.ROOT, "%-30s %4d steps  loss %.3f → %.3f  validation %s → %s  %.1f s%n", st.name(), st.steps(),
                    st.firstLoss(), st.lastLoss(), fmt(st.firstValidationLoss()), fmt(st.lastValidationLoss()), st.seconds());
        }
        if (s.state != RunStatus.State.SUCCEEDED) {
            err.println("run " + s.state + (s.error == null ? "" : ": " + s.error));
            return 1;
        }
        System.out.println(s.finalCheckpoint);
        return 0;
    }

    private static String fmt(Double d) {
        return d == null ? "-" : String.format(Locale.ROOT, "%.3f", d);
    }

    public static TrainingPlan loadPlan(String plan) throws java.io.IOException {
        Path file = Path.of(plan);
        if (Files.isRegularFile(file)) {
            return TrainingPlan.read(file);
        }
        TrainingPlan builtIn = TrainingPlan.builtIn(plan);
        if (builtIn == null) {
            throw new UsageException("--plan: no such file and no built-in plan named '" + plan + "' (built in: tiny, default, default-model, retriever, retriever-bge, retriever-distil)");
        }
        return builtIn;
    }

    /** {@code dim=64,layers=2,heads=4,kv=2,hidden=172[,seq=512]} (llama2.c's names). */
    static BaseModel randomBase(String shape, String tokenizer) {
        Map<String, Integer> v = new java.util.HashMap<>();
        for (String part : shape.split(",")) {
            String[] kv = part.split("=");
            try {
                v.put(kv[0].trim(), Integer.parseInt(kv[1].trim()));
            } catch (RuntimeException e) {
                throw new UsageException("--shape: expected key=number pairs, got '" + part + "'");
            }
        }
        return new BaseModel(null, "random", v.getOrDefault("dim", 0), v.getOrDefault("hidden", 0), v.getOrDefault("layers", 0),
                v.getOrDefault("heads", 0), v.get("kv"), v.get("vocab"), v.get("seq"), tokenizer);
    }

    /** One line on stderr, redrawn in place: stage, bar, step, loss, tokens/s, ETA. */
    static final class ProgressBar implements TrainingRun.Listener {
        private final PrintStream err;
        private String stage = "";

        ProgressBar(PrintStream err) {
            this.err = err;
        }

        @Override
        public synchronized void onEvent(String type, Object data) {
            if (type.equals("stage") && data instanceof Map<?, ?> m) {
                if (!stage.isEmpty()) {
                    err.println();
                }
                stage = String.valueOf(m.get("stage"));
            } else if (type.equals("step") && data instanceof Map<?, ?> m) {
                int step = ((Number) m.get("step")).intValue();
                int steps = ((Number) m.get("steps")).intValue();
                int width = 24;
                int filled = steps == 0 ? width : step * width / steps;
                err.printf(Locale.ROOT, "\r%-28s [%s%s] %d/%d loss %.3f %.0f tok/s   ", stage, "#".repeat(filled),
                        " ".repeat(width - filled), step, steps, ((Number) m.get("loss")).doubleValue(),
                        ((Number) m.get("tokensPerSecond")).doubleValue());
            } else if (type.equals("data") && data instanceof Map<?, ?> m && m.get("textsEncoded") != null) {
                err.printf(Locale.ROOT, "\r%-28s teacher vectors %s/%s   ", stage, m.get("textsEncoded"), m.get("texts"));
            } else if (type.equals("data") && data instanceof Map<?, ?> m && m.get("nearMissesSearched") != null) {
                err.printf(Locale.ROOT, "\r%-28s hard negatives searched for %s questions   ", stage, m.get("nearMissesSearched"));
            } else if (type.equals("validation") && data instanceof Map<?, ?> m) {
                err.printf(Locale.ROOT, "\r%-28s validation loss %.3f at step %s%n", stage, ((Number) m.get("loss")).doubleValue(), m.get("step"));
            }
        }

        void finish() {
            err.println();
        }
    }
}
