package com.lawyerllama.cli;

import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.retrieval.dense.ActiveRetrieverModel;
import com.lawyerllama.retrieval.dense.ArticleEmbedder;
import com.lawyerllama.retrieval.dense.EmbedReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Computes the dense retriever's vectors for the article index, with a progress bar and a summary. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = {
                "Computes the dense retriever model's vectors for the article index: every article that does",
                "not carry this model's vector yet (new or changed articles, or all after a new model).",
                "Rerunning is safe: articles that carry the vector are skipped, so an interrupted run is finished.",
                "Uses the managed Elasticsearch node (started for the run) unless --lawyer.elasticsearch.uris=… is given."
        })
public final class EmbedCommand implements Callable<Integer> {

    @Option(names = "--index", required = true, description = "Embed the statute articles of the article index.")
    boolean index;

    @Option(names = "--model", paramLabel = "DIR",
            description = "Retriever model directory (default: lawyer.retrieval.dense.model-path, models/retriever).")
    Path model;

    @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties.")
    List<String> springArgs = new ArrayList<>();

    @Override
    public Integer call() {
        List<String> args = new ArrayList<>(springArgs);
        if (model != null) {
            if (!Files.isRegularFile(model.resolve("config.json"))) {
                throw new UsageException("--model " + model + " is not a retriever model directory (no config.json)");
            }
            args.add("--lawyer.retrieval.dense.model-path=" + model);
        }
        try (ConfigurableApplicationContext context = HeadlessSpring.start(args)) {
            context.getBean(ElasticsearchStatus.class).refresh();
            context.getBean(ElasticsearchStatus.class).requireAvailable();
            ActiveRetrieverModel models = context.getBean(ActiveRetrieverModel.class);
            try (ActiveRetrieverModel.Lease lease = models.acquire().orElseThrow(() -> new UsageException(
                    "no retriever model: " + models.absence() + "; give --model DIR"))) {
                System.err.printf("model %s (vectors %s, %d dims) from %s%n", lease.encoder().id(), lease.id(), lease.encoder().dims(), lease.path());
                ProgressBar bar = new ProgressBar("embed");
                EmbedReport report;
                try {
                    report = context.getBean(ArticleEmbedder.class).embed(lease.encoder(),
                            soFar -> bar.update(soFar.processed(), soFar.articles()));
                } catch (ArticleEmbedder.EmbeddingInterruptedException e) {
                    bar.done();
                    System.err.println(e.getMessage());
                    return 1;
                }
                bar.done();
                if (report.embedded() > 0) {
                    HeadlessSpring.awaitOneSegment(context, report.index());
                }
                System.out.println(report.summary() + " (index " + report.index() + ")");
                report.failures().forEach(f -> System.out.println("  failed: " + f.id() + ": " + f.reason()));
                return report.failed() == 0 ? 0 : 1;
            }
        }
    }
}
