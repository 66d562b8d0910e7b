package com.lawyerllama.cli;

import com.lawyerllama.cli.HeadlessSpring;
import com.lawyerllama.cli.UsageException;
import com.lawyerllama.cli.LlamaCli;
import com.lawyerllama.retrieval.ArticleIndexStatus;
import com.lawyerllama.training.BaseModel;
import com.lawyerllama.retrieval.DistractorArticles;
import com.lawyerllama.training.RandomStatuteDistractors;
import com.lawyerllama.cli.TrainCommand;
import com.lawyerllama.training.TrainingPlan;
import com.lawyerllama.training.TrainingRun;
import com.lawyerllama.training.TrainingRuns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code train-retriever --out runs/retriever}: trains the dense article retriever headless, the
 * same run as {@code POST /admin/training/runs {"planName": "retriever"}}; {@code --plan
 * retriever-distil --base DIR} distils the question encoder of a model trained with a pretrained
 * encoder. Hard negatives come from
 * BM25 over the article index, so the service's Elasticsearch is started (as for {@code import});
 * {@code --no-hard-negatives} trains without it. Running it again on the same {@code --out}
 * resumes from the last checkpoint.
 */
@Command(name = "train-retriever", mixinStandardHelpOptions = true,
        description = "Train the dense article retriever (plan 'retriever' unless --plan); resumes when --out holds an unfinished run.")
public final class TrainRetrieverCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Run directory (state, metrics, checkpoints).")
    Path out;

    @Option(names = "--plan", defaultValue = "retriever", paramLabel = "FILE|NAME", description = "A retriever plan (default ${DEFAULT-VALUE}).")
    String plan;

    @Option(names = "--base", paramLabel = "DIR",
            description = "The retriever model a distillation plan (e.g. retriever-distil) starts from: one with a pretrained encoder.")
    Path base;

    @Option(names = "--data-root", defaultValue = "../shared/data", description = "Root that plan paths are relative to (default ${DEFAULT-VALUE}).")
    Path dataRoot;

    @Option(names = "--hard-negatives", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Mine hard negatives with BM25 from the article index (default true; needs the index, see import).")
    boolean hardNegatives;

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch intra-op threads (0: engine default).")
    int threads;

    @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties (Elasticsearch, data dir).")
    List<String> springArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        LlamaCli.threads(threads);
        TrainingPlan p;
        if (!Files.isRegularFile(out.resolve(TrainingRun.STATE))) {
            p = TrainCommand.loadPlan(plan);
            if (!p.trainsRetriever()) {
                throw new UsageException("plan '" + p.name() + "' does not train the retriever (its stages need objective 'retriever')");
            }
            BaseModel from = base == null ? null : BaseModel.directory(base.toString());
            List<String> problems = TrainingRuns.validate(p, from, dataRoot);
            if (!problems.isEmpty()) {
                throw new UsageException("the plan cannot run:\n  " + String.join("\n  ", problems));
            }
            TrainingRun.create(out, out.getFileName().toString(), p, from);
        } else {
            p = TrainingPlan.read(out.resolve(TrainingRun.PLAN));
            System.err.println("resuming the run in " + out);
        }
        DistractorArticles random = new RandomStatuteDistractors(dataRoot.resolve("laws"));
        boolean mines = p.stages().stream().anyMatch(s -> s.retriever() != null && !s.retriever().distilQueryEncoder());
        if (!hardNegatives || !mines) {    // distillation searches nothing: no index needed
            return TrainCommand.execute(out, dataRoot, random, System.err);
        }
        try (ConfigurableApplicationContext context = HeadlessSpring.start(springArgs)) {
            context.getBean(com.lawyerllama.elasticsearch.ElasticsearchStatus.class).refresh();
            context.getBean(ArticleIndexStatus.class).requireSearchable();
            return TrainCommand.execute(out, dataRoot, context.getBean(DistractorArticles.class), System.err);
        }
    }
}
